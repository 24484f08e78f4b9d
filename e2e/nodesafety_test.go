package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// TestPodFillsMemoryEmptyDir fills a medium: Memory emptyDir with a 1Mi
// sizeLimit from inside a pod on real containerd: the write fails with
// ENOSPC in the pod, and the pod and its node carry on. (A disk-backed
// emptyDir's sizeLimit is enforced by eviction:
// TestEmptyDirSizeLimitEviction.)
func TestPodFillsMemoryEmptyDir(t *testing.T) {
	c := podCluster(t, "n1")
	n1 := c.Agents[0]
	applyPod(t, n1, "filler", "n1", fmt.Sprintf(busyboxContainer, "sleep 3600")+`          volumeMounts: [{name: scratch, mountPath: /scratch}]
      volumes:
        - {name: scratch, emptyDir: {medium: Memory, sizeLimit: 1Mi}}
`)
	p := podsOf(t, n1, "filler")[0]

	// busybox's head reports any failed write as "I/O error": the errno
	// itself (ENOSPC) is checked by agent/pods TestEmptyDirMemoryFilledToLimit;
	// here the write fails and stops at the limit.
	out, stderr, err := n1.CLI("exec", p.Name, "--", "sh", "-c", "head -c 4194304 /dev/zero > /scratch/fill; echo rc=$?; wc -c < /scratch/fill")
	if err != nil {
		t.Fatalf("exec: %v\n%s%s", err, out, stderr)
	}
	var rc, size int
	if _, err := fmt.Sscanf(out, "rc=%d\n%d", &rc, &size); err != nil {
		t.Fatalf("parse %q: %v", out, err)
	}
	if rc == 0 || size > 1<<20 {
		t.Fatalf("writing 4 MiB into a 1Mi emptyDir: got exit %d and a %d-byte file; want a failed write and at most %d bytes", rc, size, 1<<20)
	}
	out, stderr, err = n1.CLI("exec", p.Name, "--", "df", "-k", "/scratch")
	if err != nil || !strings.Contains(out, "1024") {
		t.Fatalf("df /scratch: got %v\n%s%s; want a 1024 KiB tmpfs", err, out, stderr)
	}
	// The pod and the node carry on: the agent still takes writes.
	if out, stderr, err := n1.CLI("exec", p.Name, "--", "rm", "/scratch/fill"); err != nil {
		t.Fatalf("pod after filling its volume: %v\n%s%s", err, out, stderr)
	}
	applyPod(t, n1, "after", "n1", fmt.Sprintf(busyboxContainer, "sleep 3600"))
}
