package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// slowStop is a busybox container that takes about four seconds to stop
// after SIGTERM, with MARKER=%s in its environment.
const slowStop = `        - name: sh
          image: shoal.local/busybox:1
          env: [{name: MARKER, value: %s}]
          command: ["sh", "-c", "trap 'sleep 4; exit 0' TERM; while true; do sleep 0.2; done"]
`

const slowDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: slow
spec:
  replicas: 2
  selector:
    matchLabels: {app: slow}
  template:
    metadata:
      labels: {app: slow}
    spec:
      terminationGracePeriodSeconds: 30
      containers:
` + slowStop

const slowStatefulSet = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: sdb
spec:
  serviceName: sdb
  replicas: 1
  selector:
    matchLabels: {app: sdb}
  template:
    metadata:
      labels: {app: sdb}
    spec:
      terminationGracePeriodSeconds: 30
      containers:
` + slowStop

// marker is name made unique to this test process, so that containers of
// another test run on the same machine are not counted.
func marker(name string) string { return name + "-" + strconv.Itoa(os.Getpid()) }

// markerContainers counts the containers whose main process has
// MARKER=marker in its environment: processes with the marker whose
// parent has none (children inherit it).
func markerContainers(marker string) int {
	pids := map[int]bool{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err == nil && slices.Contains(strings.Split(string(env), "\x00"), "MARKER="+marker) {
			pids[pid] = true
		}
	}
	n := 0
	for pid := range pids {
		status, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
		for _, line := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, "PPid:"); ok {
				if ppid, _ := strconv.Atoi(strings.TrimSpace(v)); !pids[ppid] {
					n++
				}
			}
		}
	}
	return n
}

// terminatingPods lists the pods `get pods` shows as Terminating.
func terminatingPods(t *testing.T, a *testcluster.Agent) []string {
	t.Helper()
	out, stderr, err := a.CLI("get", "pods")
	if err != nil {
		t.Fatalf("get pods: %v %s", err, stderr)
	}
	var names []string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[2] == "Terminating" {
			names = append(names, f[0])
		}
	}
	return names
}

func TestGracefulDeletion(t *testing.T) {
	c := podCluster(t, "n1")
	n1 := c.Agents[0]

	t.Run("scale down: Terminating while the container stops, then gone", func(t *testing.T) {
		apply(t, n1, []byte(fmt.Sprintf(slowDeployment, marker("slow"))))
		testcluster.Eventually(t, 90*time.Second, func() error {
			if n := markerContainers(marker("slow")); n != 2 {
				return fmt.Errorf("%d containers run, want 2", n)
			}
			return nil
		})
		if out, stderr, err := n1.CLI("scale", "deployment/slow", "--replicas", "1"); err != nil {
			t.Fatalf("scale: %v %s%s", err, out, stderr)
		}
		var doomed string
		start := time.Now()
		testcluster.Eventually(t, 10*time.Second, func() error {
			term := terminatingPods(t, n1)
			if len(term) != 1 {
				return fmt.Errorf("Terminating pods %v, want 1", term)
			}
			doomed = term[0]
			return nil
		})
		// Seen Terminating: its container is still there, stopping.
		if n := markerContainers(marker("slow")); n != 2 {
			t.Errorf("got %d containers while one pod is Terminating, want 2 (it still stops)", n)
		}
		testcluster.Eventually(t, 60*time.Second, func() error {
			if _, err := n1.Client().Get(t.Context(), "pods", "default", doomed); !client.IsNotFound(err) {
				return fmt.Errorf("pod %s still there (%v)", doomed, err)
			}
			return nil
		})
		t.Logf("scale down to pod gone: %.1fs (the container takes ~4s to stop)", time.Since(start).Seconds())
		// The node removes the pod only once its container stopped.
		if n := markerContainers(marker("slow")); n != 1 {
			t.Errorf("got %d containers once the pod is gone, want 1", n)
		}
	})

	t.Run("StatefulSet identity: not recreated until the old pod is gone", func(t *testing.T) {
		apply(t, n1, []byte(fmt.Sprintf(slowStatefulSet, marker("sdb"))))
		old := waitPod(t, n1, "sdb", 90*time.Second, func(p *api.Pod) error {
			if p.Status.Phase != api.PodRunning {
				return fmt.Errorf("not running")
			}
			return nil
		})
		if _, stderr, err := n1.CLI("delete", "pod", "sdb-0"); err != nil {
			t.Fatalf("delete pod: %v %s", err, stderr)
		}
		sawTerminating := false
		testcluster.Eventually(t, 90*time.Second, func() error {
			if n := markerContainers(marker("sdb")); n > 1 {
				t.Fatalf("got %d containers of sdb-0 at once, want at most 1", n)
			}
			sawTerminating = sawTerminating || len(terminatingPods(t, n1)) > 0
			o, err := n1.Client().Get(t.Context(), "pods", "default", "sdb-0")
			if err != nil {
				return err
			}
			p := o.(*api.Pod)
			if p.UID == old.UID || p.Status.Phase != api.PodRunning {
				return fmt.Errorf("sdb-0 uid %s phase %s, want a new one Running", p.UID, p.Status.Phase)
			}
			return nil
		})
		if !sawTerminating {
			t.Error("never saw sdb-0 Terminating")
		}
	})

	t.Run("an agent killed mid-termination finishes it after restart", func(t *testing.T) {
		var p *api.Pod
		testcluster.Eventually(t, 90*time.Second, func() error {
			pods := podsOf(t, n1, "slow")
			if len(pods) != 1 || pods[0].Status.Phase != api.PodRunning || pods[0].DeletionTimestamp != nil {
				return fmt.Errorf("%d pods of slow", len(pods))
			}
			p = pods[0]
			return nil
		})
		if _, stderr, err := n1.CLI("delete", "pod", p.Name); err != nil {
			t.Fatalf("delete: %v %s", err, stderr)
		}
		n1.Kill()
		n1.Restart()
		testcluster.Eventually(t, 90*time.Second, func() error {
			_, err := n1.Client().Get(t.Context(), "pods", "default", p.Name)
			if !client.IsNotFound(err) {
				return fmt.Errorf("pod %s still there (%v)", p.Name, err)
			}
			return nil
		})
		checkPodCleanedUp(t, n1, p)
	})

	t.Run("delete --force --grace-period 0 removes at once", func(t *testing.T) {
		p := podsOf(t, n1, "slow")[0]
		_, stderr, err := n1.CLI("delete", "pod", p.Name, "--force", "--grace-period", "0")
		if err != nil {
			t.Fatalf("delete: %v %s", err, stderr)
		}
		if !strings.Contains(stderr, "Immediate deletion does not wait") {
			t.Errorf("got stderr %q, want kubectl's warning", stderr)
		}
		if _, err := n1.Client().Get(t.Context(), "pods", "default", p.Name); !client.IsNotFound(err) {
			t.Errorf("got %v right after a forced delete, want not found", err)
		}
	})

	t.Run("delete --wait returns once the pod is stopped and gone", func(t *testing.T) {
		var p *api.Pod
		testcluster.Eventually(t, 90*time.Second, func() error {
			pods := podsOf(t, n1, "slow")
			if len(pods) != 1 || pods[0].Status.Phase != api.PodRunning || pods[0].DeletionTimestamp != nil || markerContainers(marker("slow")) != 1 {
				return fmt.Errorf("%d pods of slow, %d containers", len(pods), markerContainers(marker("slow")))
			}
			p = pods[0]
			return nil
		})
		out, stderr, err := n1.CLI("delete", "pod", p.Name, "--wait", "--grace-period", "10")
		if err != nil || !strings.Contains(out, "pod/"+p.Name+" deleted") {
			t.Fatalf("delete --wait: %v %s%s", err, out, stderr)
		}
		if _, err := n1.Client().Get(t.Context(), "pods", "default", p.Name); !client.IsNotFound(err) {
			t.Errorf("got %v after delete --wait, want not found", err)
		}
		// The node removed it only after its container and sandbox went.
		checkPodCleanedUp(t, n1, p)
	})
}

// checkPodCleanedUp checks that pod p left nothing on agent a: no
// container in containerd, no network namespace.
func checkPodCleanedUp(t *testing.T, a *testcluster.Agent, p *api.Pod) {
	t.Helper()
	h := sha256.Sum256([]byte(p.UID + "/sh"))
	id := hex.EncodeToString(h[:8]) + "-sh"
	// The node cleans up before it removes the pod, but the leader may
	// remove a Terminating pod past its grace itself while a restarted
	// node does not run pods yet; the node's garbage collection then
	// cleans up shortly after.
	testcluster.Eventually(t, 30*time.Second, func() error {
		ids, err := hostRun(t.Context(), "ctr", "--address", filepath.Join(a.DataDir, "containerd", "containerd.sock"), "-n", "shoal", "containers", "ls", "-q")
		if err != nil {
			return fmt.Errorf("ctr: %v %s", err, ids)
		}
		if slices.Contains(strings.Fields(ids), id) {
			return fmt.Errorf("container %s of the deleted pod %s still in containerd", id, p.Name)
		}
		if _, err := os.Stat(filepath.Join(a.DataDir, "netns", p.UID)); err == nil {
			return fmt.Errorf("netns of the deleted pod %s still there", p.Name)
		}
		return nil
	})
}
