package pods

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func emptyDirPod(medium api.StorageMedium, limit string) *api.Pod {
	src := &api.EmptyDirVolumeSource{Medium: medium}
	if limit != "" {
		q := api.MustParseQuantity(limit)
		src.SizeLimit = &q
	}
	p := &api.Pod{}
	p.Name, p.Namespace, p.UID = "filler", "default", "uid-filler"
	p.Spec.Volumes = []api.Volume{{Name: "scratch", EmptyDir: src}}
	return p
}

// TestEmptyDirMemoryFilledToLimit fills a medium: Memory emptyDir with a
// 1Mi sizeLimit, as a pod would, on a real tmpfs: the write past the limit
// fails with ENOSPC, the agent restarting under the pod does not mount a
// second tmpfs, and removing the pod unmounts and removes it.
func TestEmptyDirMemoryFilledToLimit(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dataDir := t.TempDir()
	pod := emptyDirPod(api.StorageMediumMemory, "1Mi")
	dirs, err := volumes(dataDir, viewOf(nil), pod)
	if err != nil {
		t.Fatal(err)
	}
	dir := dirs["scratch"]
	t.Cleanup(func() { _ = removePodDir(podDir(dataDir, pod.UID)) })

	err = os.WriteFile(filepath.Join(dir, "fill"), bytes.Repeat([]byte{'x'}, 2<<20), 0o644)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("writing 2 MiB into a 1Mi emptyDir: got %v, want ENOSPC", err)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	if size := st.Blocks * uint64(st.Bsize); size != 1<<20 {
		t.Errorf("got a tmpfs of %d bytes, want %d", size, 1<<20)
	}

	if _, err := volumes(dataDir, viewOf(nil), pod); err != nil {
		t.Fatalf("volumes again (agent restart): %v", err)
	}
	if m, err := mountsUnder(dir, true); err != nil || len(m) != 1 {
		t.Fatalf("after an agent restart: got mounts %v (err %v) on %s, want exactly 1", m, err, dir)
	}

	if err := removePodDir(podDir(dataDir, pod.UID)); err != nil {
		t.Fatalf("remove pod dir: %v", err)
	}
	if m, _ := mountsUnder(dataDir, false); len(m) != 0 {
		t.Errorf("mounts left after removing the pod: %v", m)
	}
	if _, err := os.Stat(podDir(dataDir, pod.UID)); !os.IsNotExist(err) {
		t.Errorf("pod dir still there: %v", err)
	}
}

func TestEmptyDirSizeLimit(t *testing.T) {
	tests := []struct {
		name    string
		medium  api.StorageMedium
		limit   string
		wantErr string
	}{
		{name: "disk without limit", medium: api.StorageMediumDefault},
		{name: "disk with limit (enforced by eviction)", medium: api.StorageMediumDefault, limit: "1Gi"},
		{name: "memory with zero limit is refused", medium: api.StorageMediumMemory, limit: "0", wantErr: "too small for a tmpfs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := volumes(t.TempDir(), viewOf(nil), emptyDirPod(tt.medium, tt.limit))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("got error %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
