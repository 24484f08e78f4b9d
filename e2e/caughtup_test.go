package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// startLogged is a busybox pod template pinned to node n3 that appends a
// line to /starts/NAME (a hostPath the test reads) every time its
// container starts, then sleeps with MARKER=NAME in its environment.
// %[1]s is the kind, %[2]s the name, %[3]s the host directory.
const startLogged = `apiVersion: apps/v1
kind: %[1]s
metadata:
  name: %[2]s
spec:
  selector:
    matchLabels: {app: %[2]s}
  template:
    metadata:
      labels: {app: %[2]s}
    spec:
      nodeSelector: {kubernetes.io/hostname: n3}
      terminationGracePeriodSeconds: 1
      containers:
        - name: sh
          image: shoal.local/busybox:1
          env: [{name: MARKER, value: %[2]s}]
          command: ["sh", "-c", "echo started >> /starts/%[2]s; exec sleep 3600"]
          volumeMounts: [{name: starts, mountPath: /starts}]
      volumes:
        - {name: starts, hostPath: {path: %[3]s}}
`

// TestRestartedAgentActsOnlyWhenCaughtUp restarts the agent of node n3
// on a stale replica and checks its pod manager waits for the replica to
// catch up before it acts.
//
// An agent's replica restarts from its last Raft snapshot and applies the
// rest of the log only once a leader confirms the commit index. So n3
// first takes a snapshot (300 writes pass the agents' threshold of 128,
// set low by flag) holding pod "gone"; pod "kept" is created after it. n3 stops;
// "gone"'s container exits and "gone" is deleted for good; a DaemonSet pod
// "fresh" is bound to n3. n3 restarts cut off from the cluster, so its
// replica stays at the snapshot: a manager acting on it would start "gone"
// again at once and garbage-collect "kept" (absent from the snapshot)
// within a poll interval. It must leave both alone until it has caught up
// (it logs that it waits after 15 s); reconnected, it runs "fresh", and
// "gone" was never started again, "kept" ran on in the very same process.
func TestRestartedAgentActsOnlyWhenCaughtUp(t *testing.T) {
	skipShort(t)
	t.Parallel() // mostly waiting (see e2e/doc.go)
	// hostPath needs the privileged level; a long node grace keeps the
	// controllers from replacing n3's pods while it is away.
	// Snapshots soon (after 128 entries, checked every 2 s) instead of
	// after 8,192 entries and 2 to 4 minutes.
	c := testcluster.NewNetNS(t, "--pod-security", "privileged", "--node-grace", "1h",
		"--raft-snapshot-interval", "2s", "--raft-snapshot-threshold", "128")
	for _, n := range []string{"n1", "n2", "n3"} {
		c.Add(n)
	}
	importImages(t, c)
	n1, n3 := c.Agents[0], c.Agents[2]
	starts := t.TempDir()
	apply := func(kind, name string) {
		t.Helper()
		y := fmt.Sprintf(startLogged, kind, name, starts)
		if out, stderr, err := n1.CLIWithInput([]byte(y), "apply", "-f", "-"); err != nil {
			t.Fatalf("apply %s %s: %v\n%s%s", kind, name, err, out, stderr)
		}
	}
	startCount := func(name string) int {
		b, err := os.ReadFile(filepath.Join(starts, name))
		if os.IsNotExist(err) {
			return 0
		}
		if err != nil {
			t.Fatal(err)
		}
		return strings.Count(string(b), "started\n")
	}
	running := func(name string) {
		t.Helper()
		waitPod(t, n1, name, 90*time.Second, func(p *api.Pod) error {
			if p.Status.Phase != api.PodRunning || p.Spec.NodeName != "n3" {
				return fmt.Errorf("phase %s on %q, want Running on n3", p.Status.Phase, p.Spec.NodeName)
			}
			return nil
		})
	}
	link := func(state string) {
		t.Helper()
		if out, err := exec.Command("ip", "-n", n3.NetNS(), "link", "set", "eth0", state).CombinedOutput(); err != nil {
			t.Fatalf("n3 link %s: %v %s", state, err, out)
		}
	}

	apply("Deployment", "gone")
	running("gone")
	snapshotWith(t, n1, n3)
	apply("Deployment", "kept")
	running("kept")
	gonePID, keptPID := containerPID(t, "gone"), containerPID(t, "kept")
	if gonePID == 0 || keptPID == 0 {
		t.Fatalf("container processes: gone %d, kept %d; want both running", gonePID, keptPID)
	}

	n3.Stop()
	// Containers outlive their agent; "gone"'s exits meanwhile, so a
	// manager that believed in "gone" would start it again.
	if err := killPID(gonePID); err != nil {
		t.Fatalf("kill gone's container: %v", err)
	}
	testcluster.Eventually(t, 30*time.Second, func() error {
		if pid := containerPID(t, "gone"); pid != 0 {
			return fmt.Errorf("gone's container still runs as %d", pid)
		}
		return nil
	})
	if out, stderr, err := n1.CLI("delete", "deployment", "gone"); err != nil {
		t.Fatalf("delete deployment gone: %v\n%s%s", err, out, stderr)
	}
	// Its pod waits for n3 to stop it: force it out of the cluster state.
	testcluster.Eventually(t, 60*time.Second, func() error {
		objs, err := n1.Client().List(context.Background(), "pods", "default", "app=gone")
		if err != nil {
			return err
		}
		for _, o := range objs {
			name := o.(*api.Pod).Name
			if out, stderr, err := n1.CLI("delete", "pod", name, "--force", "--grace-period", "0"); err != nil {
				return fmt.Errorf("force delete pod %s: %v: %s%s", name, err, out, stderr)
			}
		}
		if len(objs) > 0 {
			return fmt.Errorf("%d pods of gone left", len(objs))
		}
		return nil
	})
	apply("DaemonSet", "fresh")
	testcluster.Eventually(t, 60*time.Second, func() error {
		pods := podsOf(t, n1, "fresh")
		if len(pods) != 1 || pods[0].Spec.NodeName != "n3" {
			return fmt.Errorf("pods of fresh: got %d, want one bound to n3", len(pods))
		}
		return nil
	})

	// Restarted cut off: the replica stays at the snapshot.
	link("down")
	if err := n3.Relaunch(); err != nil {
		t.Fatalf("relaunch n3: %v", err)
	}
	// Until the manager says it waits (or does what it must not, which
	// check then reports).
	testcluster.Eventually(t, 90*time.Second, func() error {
		if startCount("gone") > 1 || containerPID(t, "kept") != keptPID {
			return nil
		}
		log := n3.Log()
		log = log[strings.LastIndex(log, "=== start"):]
		for _, line := range strings.Split(log, "\n") {
			if strings.Contains(line, "replica not caught up; leaving things as they are") && strings.Contains(line, "part=pods") {
				return nil
			}
		}
		return fmt.Errorf("n3's pod manager has not logged that it waits for its replica")
	})
	check := func(when string, want map[string]int) {
		t.Helper()
		for _, name := range []string{"gone", "kept", "fresh"} {
			if got := startCount(name); got != want[name] {
				t.Errorf("%s: container starts of %s: got %d, want %d", when, name, got, want[name])
			}
		}
		if pid := containerPID(t, "gone"); pid != 0 {
			t.Errorf("%s: gone's container runs as pid %d, want none", when, pid)
		}
		if pid := containerPID(t, "kept"); pid != keptPID {
			t.Errorf("%s: kept's container process: got pid %d, want %d (never removed or restarted)", when, pid, keptPID)
		}
	}
	check("restarted on the stale replica", map[string]int{"gone": 1, "kept": 1, "fresh": 0})

	link("up")
	running("fresh")
	running("kept")
	// n3 has reported fresh Running: its pod manager has caught up and
	// acted on every pod it holds.
	check("caught up", map[string]int{"gone": 1, "kept": 1, "fresh": 1})
	if pid := containerPID(t, "fresh"); pid == 0 {
		t.Error("fresh's container: got no process, want one running")
	}
}

// snapshotWith makes n3 take a Raft snapshot of the current state: enough
// writes through n1 to pass the agents' Raft snapshot threshold (128
// entries, see the test's flags), then a wait for the snapshot, which
// raft checks for every 2 to 4 seconds.
func snapshotWith(t *testing.T, n1, n3 *testcluster.Agent) {
	t.Helper()
	dir := filepath.Join(n3.DataDir, "raft", "snapshots")
	before, _ := filepath.Glob(filepath.Join(dir, "*", "meta.json"))
	const writes, workers = 300, 16
	cl := n1.Client()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > writes {
					return
				}
				y := fmt.Sprintf(configMapYAML, fmt.Sprintf("churn-%d", i%workers), "v"+strconv.FormatInt(i, 10))
				if _, err := cl.Apply(context.Background(), []byte(y)); err != nil {
					errs <- fmt.Errorf("write %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	testcluster.Eventually(t, 5*time.Minute, func() error {
		got, _ := filepath.Glob(filepath.Join(dir, "*", "meta.json"))
		if len(got) <= len(before) {
			return fmt.Errorf("n3 has taken no new snapshot (%d in %s)", len(got), dir)
		}
		return nil
	})
}
