package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// hostKillReplicas is the size of the Deployment the host benchmarks
// spread over three hosts.
const hostKillReplicas = 9

// BenchmarkHostKill measures node loss at default flags on a netns
// cluster of three hosts (each its own network namespace, containerd and
// pods): a Deployment of 9 sleeping busybox pods spread over them; a
// follower host is killed whole (its interface goes down and agent,
// containerd, shims and containers get SIGKILL); the time is from the
// kill until all 9 pods are Running on the two other hosts. The killed
// host comes back between runs and the cluster is reused. p50/p99 over
// SHOAL_BENCH_RUNS kills; SHOAL_BENCH_LOG=DIR keeps the agents' logs of
// each run there.
func BenchmarkHostKill(b *testing.B) {
	var extra []string
	if os.Getenv("SHOAL_BENCH_LOG") != "" {
		extra = []string{"--log-level", "debug"}
	}
	_, as := hostCluster(b, 3, extra...)
	ctx := context.Background()
	leader, _ := leaderHost(b, as)
	if _, err := leader.Client().Apply(ctx, sleeperDeployment("nl", hostKillReplicas)); err != nil {
		b.Fatal(err)
	}
	var runs []time.Duration
	for i := 0; i < benchRuns(); i++ {
		leader, followers := leaderHost(b, as)
		var victim *hostAgent
		testcluster.Eventually(b, 2*time.Minute, func() error {
			running, live, err := runningSpread(ctx, leader.Agent, "nl")
			if err != nil {
				return err
			}
			total := 0
			for _, n := range running {
				total += n
			}
			// Every host Ready and running pods, so the kill takes some.
			victim = nil
			for _, f := range followers {
				if running[f.Name] > 0 && (victim == nil || running[f.Name] > running[victim.Name]) {
					victim = f
				}
			}
			if total != hostKillReplicas || live != hostKillReplicas || victim == nil {
				return fmt.Errorf("%d of %d Running (%v), %d live", total, hostKillReplicas, running, live)
			}
			return nil
		})
		running, _, _ := runningSpread(ctx, leader.Agent, "nl")
		lost := running[victim.Name]
		start := time.Now()
		victim.killHost(b)
		var bound time.Time
		testcluster.Eventually(b, 2*time.Minute, func() error {
			running, _, err := runningSpread(ctx, leader.Agent, "nl")
			if err != nil {
				return err
			}
			total := 0
			for n, c := range running {
				if n != victim.Name {
					total += c
				}
			}
			if bound.IsZero() && boundLive(ctx, leader.Agent, "nl", victim.Name) == hostKillReplicas {
				bound = time.Now()
			}
			if total != hostKillReplicas {
				time.Sleep(20 * time.Millisecond)
				return fmt.Errorf("%d of %d Running on live hosts", total, hostKillReplicas)
			}
			return nil
		})
		d := time.Since(start)
		runs = append(runs, d)
		b.Logf("run %d: killed host %s with %d pods, all %d Running on live hosts after %s (%s)", i, victim.Name, lost, hostKillReplicas, d, nodeTimeline(ctx, leader.Agent, victim.Name, start, bound))
		if dir := os.Getenv("SHOAL_BENCH_LOG"); dir != "" {
			for _, a := range as {
				_ = os.WriteFile(filepath.Join(dir, fmt.Sprintf("hostkill-run%d-%s.log", i, a.Name)), []byte(a.Log()), 0o644)
			}
		}
		victim.restartHost(b)
		// Spread the pods over all three hosts again for the next run.
		if err := leader.Client().Delete(ctx, "deployments", "default", "nl"); err != nil {
			b.Fatal(err)
		}
		testcluster.Eventually(b, time.Minute, func() error {
			objs, err := leader.Client().List(ctx, "pods", "default", "app=nl")
			if err != nil || len(objs) > 0 {
				return fmt.Errorf("%d pods left (%v)", len(objs), err)
			}
			return nil
		})
		if _, err := leader.Client().Apply(ctx, sleeperDeployment("nl", hostKillReplicas)); err != nil {
			b.Fatal(err)
		}
	}
	reportRuns(b, fmt.Sprintf("kill -9 host → %d of %d pods Running on live hosts", hostKillReplicas, hostKillReplicas), runs)
}

// BenchmarkHostAgentRestart kills -9 only the agent of a follower host of
// a netns cluster (its containerd, shims and pods stay) and starts it
// again at once, default flags, SHOAL_BENCH_RUNS times. It reports how
// long the host's Node is not Ready in the leader's view and fails if any
// pod was given up or replaced, or a container of the host restarted.
func BenchmarkHostAgentRestart(b *testing.B) {
	_, as := hostCluster(b, 3)
	ctx := context.Background()
	leader, followers := leaderHost(b, as)
	victim := followers[0]
	if _, err := leader.Client().Apply(ctx, sleeperDeployment("nl", hostKillReplicas)); err != nil {
		b.Fatal(err)
	}
	var uids map[string]string
	testcluster.Eventually(b, 2*time.Minute, func() error {
		objs, err := leader.Client().List(ctx, "pods", "default", "app=nl")
		if err != nil {
			return err
		}
		uids = map[string]string{}
		onVictim := 0
		for _, o := range objs {
			p := o.(*api.Pod)
			if p.Status.Phase != api.PodRunning {
				return fmt.Errorf("pod %s %s", p.Name, p.Status.Phase)
			}
			uids[p.Name] = string(p.UID)
			if p.Spec.NodeName == victim.Name {
				onVictim++
			}
		}
		if len(uids) != hostKillReplicas || onVictim == 0 {
			return fmt.Errorf("%d of %d Running, %d on %s", len(uids), hostKillReplicas, onVictim, victim.Name)
		}
		return nil
	})
	var runs []time.Duration
	for i := 0; i < benchRuns(); i++ {
		leaderHost(b, as)
		window := watchNotReady(leader.Agent, victim.Name)
		start := time.Now()
		victim.Kill()
		if err := victim.StartWith(victim.args...); err != nil {
			b.Fatalf("restart %s: %v", victim.Name, err)
		}
		victim.WaitReady(60 * time.Second)
		time.Sleep(3 * time.Second)
		d := window(b, start)
		runs = append(runs, d)
		objs, err := leader.Client().List(ctx, "pods", "default", "app=nl")
		if err != nil {
			b.Fatal(err)
		}
		changed := 0
		for _, o := range objs {
			p := o.(*api.Pod)
			if uids[p.Name] != string(p.UID) || p.Status.Phase != api.PodRunning || restarts(p) > 0 {
				changed++
			}
		}
		b.Logf("run %d: restarted agent of %s, not Ready until %s after the kill, %d pods replaced, failed or restarted", i, victim.Name, d, changed)
		if changed > 0 || len(objs) != hostKillReplicas {
			b.Errorf("run %d: agent restart changed %d pods (%d pods now)", i, changed, len(objs))
		}
	}
	reportRuns(b, "kill -9 agent and restart → node Ready again", runs)
}

// restarts is the sum of the pod's container restart counts.
func restarts(p *api.Pod) int {
	n := 0
	for _, cs := range p.Status.ContainerStatuses {
		n += int(cs.RestartCount)
	}
	return n
}

// watchNotReady polls observer's Node object of node every 20 ms and
// returns a function that stops polling and reports the window from
// start to the first Ready after a not-Ready poll (zero if none was
// seen). It waits up to a minute for the node to be Ready again.
func watchNotReady(observer *testcluster.Agent, node string) func(testing.TB, time.Time) time.Duration {
	type obs struct{ notReady, ready time.Time }
	ch := make(chan obs, 1)
	ch <- obs{}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			o, err := observer.Client().Get(context.Background(), "nodes", "", node)
			if err != nil {
				continue
			}
			s := <-ch
			if c := o.(*api.Node).Condition(api.NodeReady); c == nil || c.Status != api.ConditionTrue {
				s.notReady = time.Now()
			} else if !s.notReady.IsZero() && !s.ready.After(s.notReady) {
				s.ready = time.Now()
			}
			ch <- s
		}
	}()
	return func(t testing.TB, start time.Time) time.Duration {
		testcluster.Eventually(t, time.Minute, func() error {
			s := <-ch
			ch <- s
			if !s.notReady.IsZero() && !s.ready.After(s.notReady) {
				return fmt.Errorf("node %s not Ready", node)
			}
			return nil
		})
		close(stop)
		<-done
		s := <-ch
		if s.notReady.IsZero() {
			return 0
		}
		return s.ready.Sub(start)
	}
}

// nodeTimeline says, from the leader's Node object of a killed node, when
// (after start) it stopped being Ready and when its machine was found
// silent, and when all pods were bound again (bound, zero if not seen).
func nodeTimeline(ctx context.Context, a *testcluster.Agent, node string, start, bound time.Time) string {
	o, err := a.Client().Get(ctx, "nodes", "", node)
	if err != nil {
		return err.Error()
	}
	out := ""
	for _, c := range o.(*api.Node).Status.Conditions {
		if c.LastTransitionTime != nil && c.Type != api.NodeDiskPressure {
			out += fmt.Sprintf("%s %s at %s, ", c.Type, c.Status, c.LastTransitionTime.Sub(start).Round(time.Millisecond))
		}
	}
	if !bound.IsZero() {
		out += fmt.Sprintf("all bound at %s", bound.Sub(start).Round(time.Millisecond))
	}
	return out
}

// boundLive counts app's live pods bound to nodes other than gone.
func boundLive(ctx context.Context, a *testcluster.Agent, app, gone string) int {
	objs, err := a.Client().List(ctx, "pods", "default", "app="+app)
	if err != nil {
		return 0
	}
	n := 0
	for _, o := range objs {
		p := o.(*api.Pod)
		if p.Status.Phase != api.PodFailed && p.DeletionTimestamp == nil && p.Spec.NodeName != "" && p.Spec.NodeName != gone {
			n++
		}
	}
	return n
}
