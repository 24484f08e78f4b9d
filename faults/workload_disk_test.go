package faults

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// wlDiskSize is the loop-mounted data dir of the node whose disk fills.
const wlDiskSize = 192 << 20

// wlWriter applies ConfigMap "beat" through an agent, again and again,
// with a counter as its data, and counts what commits and what fails.
type wlWriter struct {
	stop    chan struct{}
	done    chan struct{}
	finish  func() // stops it and waits
	mu      sync.Mutex
	applied int
	failed  int
	lastErr error
}

func wlStartWriter(t *testing.T, a *testcluster.Agent, name string) *wlWriter {
	t.Helper()
	w := &wlWriter{stop: make(chan struct{}), done: make(chan struct{})}
	cl := a.Client()
	go func() {
		defer close(w.done)
		for i := 0; ; i++ {
			select {
			case <-w.stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			cm := fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s}\ndata: {n: %q}\n", name, fmt.Sprint(i))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, err := cl.Apply(ctx, []byte(cm))
			cancel()
			w.mu.Lock()
			if err != nil {
				w.failed++
				w.lastErr = err
			} else {
				w.applied++
			}
			w.mu.Unlock()
		}
	}()
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(w.stop) }); <-w.done })
	w.finish = func() { once.Do(func() { close(w.stop) }); <-w.done }
	return w
}

// counts are the writer's commits and failures so far.
func (w *wlWriter) counts() (applied, failed int, lastErr error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.applied, w.failed, w.lastErr
}

// wlDiskPressure is node name's DiskPressure condition as a sees it.
func wlDiskPressure(t *testing.T, a *testcluster.Agent, name string) (bool, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	o, err := a.Client().Get(ctx, "nodes", "", name)
	if err != nil {
		return false, err
	}
	return o.(*api.Node).HasDiskPressure(), nil
}

// wlConfigValue is ConfigMap name's data n as agent a serves it.
func wlConfigValue(a *testcluster.Agent, name string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	o, err := a.Client().Get(ctx, "configmaps", "default", name)
	if err != nil {
		return "", err
	}
	return o.(*api.ConfigMap).Data["n"], nil
}

// TestWorkloadDiskFull fills the data dir's filesystem of node n3 (a
// Raft voter, a follower) from outside, to the last block, while writes
// go on through n1 and n3. n3 reports DiskPressure, stays up and keeps
// answering; the cluster keeps committing. When the space comes back,
// n3's pressure ends, its replica catches up, and after a restart (which
// reads its Raft log and snapshot from that disk) it serves the same
// data as the others: Raft was not corrupted.
func TestWorkloadDiskFull(t *testing.T) {
	t.Parallel() // mostly waiting on the cluster
	c := testcluster.NewNetNS(t)
	n1 := c.Add("n1")
	c.Add("n2")
	n3 := c.NewAgent("n3", "--join", n1.APIAddr(), "--token", c.Token())
	n3.LoopDataDir(wlDiskSize)
	c.Agents = append(c.Agents, n3)
	if err := n3.Start(); err != nil {
		t.Fatalf("start n3: %v", err)
	}
	n3.WaitReady(30 * time.Second)
	wlWaitNodesReady(t, n1, []string{"n1", "n2", "n3"}, 60*time.Second)
	// The node is Ready before its agent has finished starting: it sets
	// up the pod network (files in the data dir) after. An agent that
	// cannot start exits, as it should; this test is about a running one.
	testcluster.Eventually(t, 60*time.Second, func() error {
		for _, line := range []string{"pod network ready", "replica caught up"} {
			if !strings.Contains(n3.Log(), line) {
				return fmt.Errorf("n3 has not logged %q yet", line)
			}
		}
		return nil
	})
	if p, err := wlDiskPressure(t, n1, "n3"); err != nil || p {
		t.Fatalf("n3's DiskPressure before the fill: %v, %v; want false", p, err)
	}

	viaN1 := wlStartWriter(t, n1, "beat-n1")
	viaN3 := wlStartWriter(t, n3, "beat-n3")
	time.Sleep(2 * time.Second)
	filled := time.Now()
	wrote := n3.FillDataDir()
	free, _ := n3.FreeBytes()
	t.Logf("filled n3's data dir: %d MiB written, %d bytes left", wrote>>20, free)

	var reported time.Duration
	testcluster.Eventually(t, 60*time.Second, func() error {
		p, err := wlDiskPressure(t, n1, "n3")
		if err != nil {
			return err
		}
		if !p {
			return fmt.Errorf("n3 does not report DiskPressure %s after its disk filled", time.Since(filled).Round(time.Second))
		}
		reported = time.Since(filled)
		return nil
	})
	t.Logf("measured: n3 reported DiskPressure %.2f s after its disk filled", reported.Seconds())
	// Full for a while: n3 stays up and answers, the cluster commits.
	a1, _, _ := viaN1.counts()
	time.Sleep(5 * time.Second)
	if !n3.Running() {
		t.Fatalf("n3's agent exited with its disk full:\n%s", n3.Log())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	_, err := n3.Client().Status(ctx)
	cancel()
	if err != nil {
		t.Fatalf("n3's API with its disk full: %v", err)
	}
	if a, _, lastErr := viaN1.counts(); a-a1 < 5 {
		t.Fatalf("writes through n1 while n3's disk is full: %d committed in 5 s (last error %v); want the cluster to keep committing", a-a1, lastErr)
	}
	full3, fail3, err3 := viaN3.counts()
	t.Logf("while full: writes through n3 %d committed, %d failed (last error: %v)", full3, fail3, err3)
	for _, line := range strings.Split(n3.Log(), "\n") {
		if strings.Contains(line, "no space left on device") {
			t.Logf("n3's log names the full disk (%d lines), first: %.300s", strings.Count(n3.Log(), "no space left on device"), line)
			break
		}
	}

	n3.FreeDataDir()
	freed := time.Now()
	testcluster.Eventually(t, 90*time.Second, func() error {
		p, err := wlDiskPressure(t, n1, "n3")
		if err != nil {
			return err
		}
		if p {
			return fmt.Errorf("n3 still reports DiskPressure %s after its disk was freed", time.Since(freed).Round(time.Second))
		}
		return nil
	})
	t.Logf("measured: n3's DiskPressure ended %.2f s after the space came back", time.Since(freed).Seconds())
	viaN1.finish()
	viaN3.finish()
	applied, failed, lastErr := viaN1.counts()
	if failed > 0 {
		t.Errorf("writes through n1: %d of %d failed (last: %v); want none (n3 is one voter of three)", failed, applied+failed, lastErr)
	}

	// n3's replica catches up, and reads it back from its disk after a
	// restart: the same values as n1's.
	wlSameConfigs(t, n1, n3, "once space is back")
	n3.Kill()
	n3.Restart()
	wlSameConfigs(t, n1, n3, "after its restart")
	testcluster.Eventually(t, 20*time.Second, func() error { return wlRaftRoleOf(n1, "n3") })
}

// wlRaftRoleOf checks that a lists node name alive and a Raft voter.
func wlRaftRoleOf(a *testcluster.Agent, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := a.Client().Status(ctx)
	if err != nil {
		return err
	}
	for _, m := range st.Members {
		if m.Name == name {
			if m.Status != "alive" || (m.Raft != api.RoleVoter && m.Raft != api.RoleLeader) {
				return fmt.Errorf("%s in %s's status: %s, Raft %s; want alive and a voter", name, a.Name, m.Status, m.Raft)
			}
			return nil
		}
	}
	return fmt.Errorf("%s missing from %s's status", name, a.Name)
}

// wlSameConfigs waits until b serves the ConfigMaps the writers wrote
// with the values a serves, and logs how long that took.
func wlSameConfigs(t *testing.T, a, b *testcluster.Agent, when string) {
	t.Helper()
	start := time.Now()
	for _, name := range []string{"beat-n1", "beat-n3"} {
		want, err := wlConfigValue(a, name)
		if err != nil {
			t.Fatalf("ConfigMap %s on %s: %v", name, a.Name, err)
		}
		testcluster.Eventually(t, 30*time.Second, func() error {
			got, err := wlConfigValue(b, name)
			if err != nil {
				return fmt.Errorf("ConfigMap %s on %s %s: %w", name, b.Name, when, err)
			}
			if got != want {
				return fmt.Errorf("ConfigMap %s on %s %s: n=%s, want %s's %s", name, b.Name, when, got, a.Name, want)
			}
			return nil
		})
	}
	t.Logf("%s serves %s's values %s (after %.2f s)", b.Name, a.Name, when, time.Since(start).Seconds())
}
