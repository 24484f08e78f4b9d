package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// pvcClaimYAML is a claim of the default class.
const pvcClaimYAML = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 64Mi}}
`

// pvcDeploymentYAML is a one-replica Deployment mounting claim data at
// /data; %[1]s is the MARKER of its process.
const pvcDeploymentYAML = `apiVersion: apps/v1
kind: Deployment
metadata: {name: keeper}
spec:
  replicas: 1
  selector: {matchLabels: {app: keeper}}
  template:
    metadata: {labels: {app: keeper}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: sh
        image: shoal.local/busybox:1
        command: ["sh", "-c", "exec sleep 3600"]
        env: [{name: MARKER, value: %[1]s}]
        volumeMounts: [{name: store, mountPath: /data}]
      volumes:
      - name: store
        persistentVolumeClaim: {claimName: data}
`

// pvcGhostPodYAML is a bare pod naming a claim that does not exist.
const pvcGhostPodYAML = `apiVersion: v1
kind: Pod
metadata: {name: ghost, labels: {app: ghost}}
spec:
  containers:
  - {name: sh, image: shoal.local/busybox:1, command: ["sleep", "3600"]}
  volumes:
  - name: v
    persistentVolumeClaim: {claimName: nowhere}
`

// pvcHogYAML is a bare pod on node %[1]s that requests resources, so the
// scheduler would place a new unpinned pod on the other node.
const pvcHogYAML = `apiVersion: v1
kind: Pod
metadata: {name: hog, labels: {app: hog}}
spec:
  nodeSelector: {kubernetes.io/hostname: %[1]s}
  terminationGracePeriodSeconds: 1
  containers:
  - name: sh
    image: shoal.local/busybox:1
    command: ["sleep", "3600"]
    resources: {requests: {cpu: 200m, memory: 64Mi}}
`

// pvcBarePodYAML is a claim and a bare pod on node %[1]s that writes into
// it and exits.
const pvcBarePodYAML = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: scratch}
spec:
  accessModes: [ReadWriteOncePod]
  resources: {requests: {storage: 1Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: writer, labels: {app: writer}}
spec:
  restartPolicy: Never
  nodeSelector: {kubernetes.io/hostname: %[1]s}
  containers:
  - name: sh
    image: shoal.local/busybox:1
    command: ["sh", "-c", "echo once > /out/f"]
    volumeMounts: [{name: out, mountPath: /out}]
  volumes:
  - name: out
    persistentVolumeClaim: {claimName: scratch}
`

// getClaim reads claim name, or returns the error (not found once gone).
func getClaim(a *testcluster.Agent, name string) (*api.PersistentVolumeClaim, error) {
	o, err := a.Client().Get(context.Background(), "persistentvolumeclaims", "default", name)
	if err != nil {
		return nil, err
	}
	return o.(*api.PersistentVolumeClaim), nil
}

// readData reads /data/f in pod through exec.
func readData(t *testing.T, a *testcluster.Agent, pod string) string {
	t.Helper()
	out, stderr, err := a.CLI("exec", pod, "--", "cat", "/data/f")
	if err != nil {
		t.Fatalf("exec cat /data/f in %s: %v\n%s%s", pod, err, out, stderr)
	}
	return strings.TrimSpace(out)
}

// TestPersistentVolumeClaim runs a Deployment on a claim of the default
// local-path class: the claim binds where the pod lands, its data outlives
// a container restart and the pod's replacement (which goes back to that
// node), deleting the claim waits while a pod uses it, and then removes
// the data on its node.
func TestPersistentVolumeClaim(t *testing.T) {
	skipShort(t)
	c := podCluster(t, "n1", "n2")
	n1, n2 := c.Agents[0], c.Agents[1]
	nodes := map[string]*testcluster.Agent{"n1": n1, "n2": n2}
	marker := fmt.Sprintf("pvc-e2e-%d", time.Now().UnixNano())

	t.Run("default class and a Pending claim", func(t *testing.T) {
		out, stderr, err := n1.CLI("get", "sc")
		if err != nil || !strings.Contains(out, "local-path (default)") || !strings.Contains(out, "rancher.io/local-path") || !strings.Contains(out, "WaitForFirstConsumer") {
			t.Errorf("get sc: %v\n%s%s", err, out, stderr)
		}
		apply(t, n1, []byte(pvcClaimYAML))
		testcluster.Eventually(t, 30*time.Second, func() error {
			out, stderr, err := n2.CLI("get", "pvc")
			if err != nil || !strings.Contains(out, "ACCESS MODES") || !containsLine(out, "data") || !strings.Contains(out, "Pending") {
				return fmt.Errorf("get pvc: %v\n%s%s", err, out, stderr)
			}
			return nil
		})
	})

	t.Run("a pod naming a missing claim stays Pending, naming it", func(t *testing.T) {
		apply(t, n1, []byte(pvcGhostPodYAML))
		waitPod(t, n1, "ghost", 30*time.Second, func(p *api.Pod) error {
			cond := p.Status.Condition(api.PodScheduled)
			if p.Spec.NodeName != "" || cond == nil || !strings.Contains(cond.Message, `persistentvolumeclaim "nowhere" not found`) {
				return fmt.Errorf("node %q, PodScheduled %+v: want unbound, naming the claim", p.Spec.NodeName, cond)
			}
			return nil
		})
		if out, stderr, err := n1.CLI("delete", "pod", "ghost"); err != nil {
			t.Fatalf("delete pod ghost: %v\n%s%s", err, out, stderr)
		}
	})

	apply(t, n1, []byte(fmt.Sprintf(pvcDeploymentYAML, marker)))
	running := func(p *api.Pod) error {
		if p.Status.Phase != api.PodRunning || p.DeletionTimestamp != nil {
			return fmt.Errorf("not running")
		}
		return nil
	}
	first := waitPod(t, n1, "keeper", 120*time.Second, running)
	node := first.Spec.NodeName
	holder := nodes[node]
	dir := filepath.Join(holder.DataDir, "volumes", "default", "data")

	t.Run("the claim binds to the pod's node", func(t *testing.T) {
		testcluster.Eventually(t, 30*time.Second, func() error {
			cl, err := getClaim(n2, "data")
			if err != nil {
				return err
			}
			if cl.Status.Phase != api.ClaimBound || cl.ClaimNode() != node || cl.Spec.VolumeName != api.ClaimVolumeName(cl.UID) {
				return fmt.Errorf("claim phase %s node %q volume %q, want Bound on %s as %s", cl.Status.Phase, cl.ClaimNode(), cl.Spec.VolumeName, node, api.ClaimVolumeName(cl.UID))
			}
			return nil
		})
		out, stderr, err := n2.CLI("get", "pvc")
		if err != nil || !strings.Contains(out, "Bound") || !strings.Contains(out, "pvc-") || !strings.Contains(out, "64Mi") || !strings.Contains(out, "RWO") || !strings.Contains(out, "local-path") {
			t.Errorf("get pvc: %v\n%s%s", err, out, stderr)
		}
		if out, stderr, err := n1.CLI("exec", first.Name, "--", "sh", "-c", "echo kept > /data/f"); err != nil {
			t.Fatalf("write /data/f: %v\n%s%s", err, out, stderr)
		}
		if b, err := os.ReadFile(filepath.Join(dir, "f")); err != nil || strings.TrimSpace(string(b)) != "kept" {
			t.Errorf("data on %s: got %q, %v; want \"kept\" in %s", node, b, err, dir)
		}
	})

	t.Run("data survives a container restart", func(t *testing.T) {
		pid := containerPID(t, marker)
		if pid == 0 {
			t.Fatalf("no process with MARKER=%s", marker)
		}
		if err := killPID(pid); err != nil {
			t.Fatal(err)
		}
		p := waitPod(t, n1, "keeper", 60*time.Second, func(p *api.Pod) error {
			cs := p.Status.ContainerStatuses
			if len(cs) != 1 || cs[0].RestartCount < 1 || cs[0].State.Running == nil {
				return fmt.Errorf("want running again after a restart")
			}
			return nil
		})
		if p.UID != first.UID {
			t.Fatalf("pod replaced (uid %s → %s), want its container restarted", first.UID, p.UID)
		}
		if got := readData(t, n1, p.Name); got != "kept" {
			t.Errorf("after restart: got %q, want \"kept\"", got)
		}
	})

	t.Run("data survives the pod being deleted and replaced, on the same node", func(t *testing.T) {
		// A loaded claim node: without the claim's pin the replacement
		// would go to the other, emptier node.
		apply(t, n1, []byte(fmt.Sprintf(pvcHogYAML, node)))
		waitPod(t, n1, "hog", 60*time.Second, func(p *api.Pod) error {
			if p.Spec.NodeName != node {
				return fmt.Errorf("not bound to %s yet", node)
			}
			return nil
		})
		if out, stderr, err := n1.CLI("delete", "pod", first.Name); err != nil {
			t.Fatalf("delete pod: %v\n%s%s", err, out, stderr)
		}
		p := waitPod(t, n1, "keeper", 120*time.Second, func(p *api.Pod) error {
			if p.UID == first.UID {
				return errors.New("still the first pod")
			}
			return running(p)
		})
		if p.Spec.NodeName != node {
			t.Errorf("replacement on %s, want %s (the claim's node)", p.Spec.NodeName, node)
		}
		if got := readData(t, n1, p.Name); got != "kept" {
			t.Errorf("after replacement: got %q, want \"kept\"", got)
		}
	})

	t.Run("deleting the claim waits for its pods, then removes the data", func(t *testing.T) {
		if out, stderr, err := n1.CLI("delete", "pvc", "data"); err != nil {
			t.Fatalf("delete pvc: %v\n%s%s", err, out, stderr)
		}
		testcluster.Eventually(t, 10*time.Second, func() error {
			out, stderr, err := n2.CLI("get", "pvc")
			if err != nil || !strings.Contains(out, "Terminating") {
				return fmt.Errorf("get pvc while in use: %v\n%s%s", err, out, stderr)
			}
			return nil
		})
		// The claim's pod keeps running and its data stays while it does.
		time.Sleep(3 * time.Second)
		if _, err := getClaim(n1, "data"); err != nil {
			t.Fatalf("claim gone while a pod uses it: %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "f")); err != nil {
			t.Fatalf("data removed while a pod uses the claim: %v", err)
		}
		if out, stderr, err := n1.CLI("delete", "deployment", "keeper"); err != nil {
			t.Fatalf("delete deployment: %v\n%s%s", err, out, stderr)
		}
		testcluster.Eventually(t, 120*time.Second, func() error {
			if cl, err := getClaim(n2, "data"); err == nil {
				return fmt.Errorf("claim still there (deleting since %v)", cl.DeletionTimestamp)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				return fmt.Errorf("data dir %s still there: %v", dir, err)
			}
			return nil
		})
	})

	t.Run("a bare pod's claim on every node: data kept after the pod ends, removed by that node with the claim", func(t *testing.T) {
		// n1 started the cluster and leads; on n2 the removal goes
		// through the node restriction.
		for _, a := range []*testcluster.Agent{n2, n1} {
			apply(t, n1, []byte(fmt.Sprintf(pvcBarePodYAML, a.Name)))
			testcluster.Eventually(t, 90*time.Second, func() error {
				o, err := n1.Client().Get(context.Background(), "pods", "default", "writer")
				if err != nil {
					return err
				}
				if p := o.(*api.Pod); p.Status.Phase != api.PodSucceeded {
					return fmt.Errorf("writer: %s, want Succeeded", briefStatus(p))
				}
				return nil
			})
			scratch := filepath.Join(a.DataDir, "volumes", "default", "scratch", "f")
			if b, err := os.ReadFile(scratch); err != nil || strings.TrimSpace(string(b)) != "once" {
				t.Fatalf("data on %s after the pod ended: got %q, %v; want \"once\"", a.Name, b, err)
			}
			if out, stderr, err := n1.CLI("delete", "pod", "writer", "--wait", "--timeout", "60s"); err != nil {
				t.Fatalf("delete pod: %v\n%s%s", err, out, stderr)
			}
			if _, err := os.Stat(scratch); err != nil {
				t.Fatalf("data on %s gone with the pod: %v", a.Name, err)
			}
			if out, stderr, err := n1.CLI("delete", "pvc", "scratch", "--wait", "--timeout", "60s"); err != nil {
				t.Fatalf("delete pvc: %v\n%s%s", err, out, stderr)
			}
			if _, err := os.Stat(filepath.Dir(scratch)); !os.IsNotExist(err) {
				t.Fatalf("claim gone but its data on %s is still there: %v", a.Name, err)
			}
		}
	})
}
