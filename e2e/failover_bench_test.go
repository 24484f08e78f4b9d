package e2e

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// benchRuns is how many kills a failover benchmark times in one call
// (SHOAL_BENCH_RUNS, default 5): it reports percentiles over them.
func benchRuns() int {
	if n, err := strconv.Atoi(os.Getenv("SHOAL_BENCH_RUNS")); err == nil && n > 0 {
		return n
	}
	return 5
}

// percentile returns the p-th percentile (0-100, nearest rank) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// reportRuns reports p50, p99, min and max of runs in seconds and logs
// every run.
func reportRuns(b *testing.B, what string, runs []time.Duration) {
	b.Logf("%s: %v", what, runs)
	b.ReportMetric(percentile(runs, 50).Seconds(), "p50-s")
	b.ReportMetric(percentile(runs, 99).Seconds(), "p99-s")
	b.ReportMetric(percentile(runs, 0).Seconds(), "min-s")
	b.ReportMetric(percentile(runs, 100).Seconds(), "max-s")
}

// defaultAgent is an agent started with the agents' default timings: no
// --gossip-fast, no --node-grace (testcluster adds --gossip-fast).
type defaultAgent struct {
	*testcluster.Agent
	args []string
}

// addDefaultAgent starts an agent of c with default flags (joining the
// first one) and waits until it is ready.
func addDefaultAgent(b *testing.B, c *testcluster.Cluster, name string) *defaultAgent {
	a := c.NewAgent(name)
	args := []string{
		"agent", "--name", name, "--data-dir", a.DataDir, "--bind", a.IP,
		"--gossip-port", strconv.Itoa(a.GossipPort), "--raft-port", strconv.Itoa(a.RaftPort),
		"--api-port", strconv.Itoa(a.APIPort),
		"--runtime", "none", "--dns-addr", a.DNSAddr(), "--ingress-addr=", "--ingress-tls-addr=",
	}
	join := args
	if len(c.Agents) > 0 {
		join = append(append([]string(nil), args...), "--join", c.Agents[0].APIAddr(), "--token", c.Token())
	}
	c.Agents = append(c.Agents, a)
	if err := a.StartWith(join...); err != nil {
		b.Fatalf("start %s: %v", name, err)
	}
	a.WaitReady(30 * time.Second)
	return &defaultAgent{Agent: a, args: args}
}

// defaultCluster starts n agents with default flags.
func defaultCluster(b *testing.B, n int) (*testcluster.Cluster, []*defaultAgent) {
	c := testcluster.New(b)
	var as []*defaultAgent
	for i := 1; i <= n; i++ {
		as = append(as, addDefaultAgent(b, c, fmt.Sprintf("n%d", i)))
	}
	return c, as
}

// raftSettled waits until a sees one leader and n-1 voters, all alive,
// and returns the leader's name.
func raftSettled(b *testing.B, a *testcluster.Agent, n int) string {
	var leader string
	testcluster.Eventually(b, 60*time.Second, func() error {
		st, err := a.Client().Status(context.Background())
		if err != nil {
			return err
		}
		r := roles(st)
		if r[api.RoleLeader] != 1 || r[api.RoleVoter] != n-1 || st.Leader == "" {
			return fmt.Errorf("raft roles %v", r)
		}
		leader = st.Leader
		return nil
	})
	return leader
}

// BenchmarkLeaderKill measures leader loss on a 3-agent loopback cluster
// at default flags: four clients write ConfigMaps continuously through a
// follower; the Raft leader agent is killed with SIGKILL; the time is from
// the kill to the first acknowledged write that was sent after it. The
// killed agent is restarted and the cluster settles between runs.
// Reports p50/p99 over SHOAL_BENCH_RUNS kills, and logs when the writer's
// agent first knew the new leader (the rest is the write path's retry).
func BenchmarkLeaderKill(b *testing.B) {
	_, as := defaultCluster(b, 3)
	var runs, elections []time.Duration
	for i := 0; i < benchRuns(); i++ {
		name := raftSettled(b, as[0].Agent, 3)
		var leader, writer *defaultAgent
		for _, a := range as {
			if a.Name == name {
				leader = a
			} else if writer == nil {
				writer = a
			}
		}
		cl := writer.Client()
		var mu sync.Mutex
		var killed, firstAck time.Time
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; ctx.Err() == nil; j++ {
					sent := time.Now()
					wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
					_, err := cl.Apply(wctx, []byte(fmt.Sprintf(configMapYAML, fmt.Sprintf("r%d-w%d-%d", i, w, j), "v")))
					wcancel()
					if err != nil {
						time.Sleep(5 * time.Millisecond)
						continue
					}
					mu.Lock()
					if !killed.IsZero() && sent.After(killed) && firstAck.IsZero() {
						firstAck = time.Now()
					}
					mu.Unlock()
				}
			}()
		}
		time.Sleep(500 * time.Millisecond)
		mu.Lock()
		killed = time.Now()
		mu.Unlock()
		leader.Kill()
		// When the writer's agent first knows another leader.
		var elected time.Time
		testcluster.Eventually(b, 30*time.Second, func() error {
			st, err := writer.Client().Status(context.Background())
			if err != nil || st.Leader == "" || st.Leader == leader.Name {
				time.Sleep(10 * time.Millisecond)
				return fmt.Errorf("no new leader (%v)", err)
			}
			elected = time.Now()
			return nil
		})
		elections = append(elections, elected.Sub(killed))
		testcluster.Eventually(b, 30*time.Second, func() error {
			mu.Lock()
			defer mu.Unlock()
			if firstAck.IsZero() {
				return fmt.Errorf("no write acknowledged since the kill of %s", leader.Name)
			}
			return nil
		})
		cancel()
		wg.Wait()
		runs = append(runs, firstAck.Sub(killed))
		b.Logf("run %d: killed leader %s, new leader known after %s, first write acknowledged through %s after %s", i, leader.Name, elected.Sub(killed), writer.Name, firstAck.Sub(killed))
		if err := leader.StartWith(leader.args...); err != nil {
			b.Fatalf("restart %s: %v", leader.Name, err)
		}
		leader.WaitReady(30 * time.Second)
	}
	b.Logf("kill -9 leader → new leader known to the writer's agent: %v (p50 %s, p99 %s)", elections, percentile(elections, 50), percentile(elections, 99))
	reportRuns(b, "kill -9 leader → first acknowledged write", runs)
}

// BenchmarkNodeKillDefaults measures node loss at default flags (default
// gossip timings and --node-grace) on a 3-agent loopback cluster: from
// SIGKILL of a follower agent holding a third of 30 Deployment pods until
// all 30 are bound to live nodes again. A fresh cluster per run; p50/p99
// over SHOAL_BENCH_RUNS kills. Loopback agents run no containers, so this
// is the control loop: gossip detection, node grace, replacement and
// binding.
func BenchmarkNodeKillDefaults(b *testing.B) {
	var runs []time.Duration
	for i := 0; i < benchRuns(); i++ {
		runs = append(runs, nodeKillRun(b, i))
	}
	reportRuns(b, "kill -9 node → 30 of 30 pods bound to live nodes", runs)
}

// nodeKillRun is one run of BenchmarkNodeKillDefaults in its own cluster.
func nodeKillRun(b *testing.B, run int) time.Duration {
	_, as := defaultCluster(b, 3)
	defer func() {
		for _, a := range as {
			a.Kill()
		}
	}()
	leader := raftSettled(b, as[0].Agent, 3)
	if _, err := as[0].Client().Apply(context.Background(), deployment("web", 30, "")); err != nil {
		b.Fatal(err)
	}
	testcluster.Eventually(b, 30*time.Second, func() error {
		if bound, _ := boundPods(b, as[0].Agent, "web"); bound != 30 {
			return fmt.Errorf("%d of 30 bound", bound)
		}
		return nil
	})
	var victim, observer *defaultAgent
	for _, a := range as {
		if a.Name == leader {
			observer = a
		} else {
			victim = a
		}
	}
	start := time.Now()
	victim.Kill()
	testcluster.Eventually(b, 60*time.Second, func() error {
		objs, err := observer.Client().List(context.Background(), "pods", "default", "app=web")
		if err != nil {
			return err
		}
		live := 0
		for _, o := range objs {
			p := o.(*api.Pod)
			if p.Status.Phase != api.PodFailed && p.Spec.NodeName != "" && p.Spec.NodeName != victim.Name {
				live++
			}
		}
		if live != 30 {
			return fmt.Errorf("%d of 30 pods on live nodes", live)
		}
		return nil
	})
	d := time.Since(start)
	b.Logf("run %d: killed %s, 30 pods on live nodes after %s", run, victim.Name, d)
	return d
}

// BenchmarkAgentRestart measures how long a node is not Ready in the
// leader's view when only its agent restarts (kill -9 and start again at
// once, default flags): the window --node-grace must cover so that an
// agent restart replaces nothing. It also checks that no pod of the
// restarted node was given up. p50/p99 over SHOAL_BENCH_RUNS restarts.
func BenchmarkAgentRestart(b *testing.B) {
	_, as := defaultCluster(b, 3)
	leader := raftSettled(b, as[0].Agent, 3)
	var victim, observer *defaultAgent
	for _, a := range as {
		if a.Name == leader {
			observer = a
		} else {
			victim = a
		}
	}
	if _, err := observer.Client().Apply(context.Background(), deployment("web", 30, "")); err != nil {
		b.Fatal(err)
	}
	testcluster.Eventually(b, 30*time.Second, func() error {
		if bound, _ := boundPods(b, observer.Agent, "web"); bound != 30 {
			return fmt.Errorf("%d of 30 bound", bound)
		}
		return nil
	})
	var runs []time.Duration
	for i := 0; i < benchRuns(); i++ {
		raftSettled(b, observer.Agent, 3)
		// Poll the leader's Node object from before the kill until it has
		// been Ready for 3 s after the agent answered again; the window is
		// from the kill to the first Ready after a not-Ready poll (zero if
		// none was seen).
		var mu sync.Mutex
		var notReady, ready time.Time
		stop := make(chan struct{})
		polled := make(chan struct{})
		go func() {
			defer close(polled)
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				o, err := observer.Client().Get(context.Background(), "nodes", "", victim.Name)
				if err != nil {
					continue
				}
				mu.Lock()
				if c := o.(*api.Node).Condition(api.NodeReady); c == nil || c.Status != api.ConditionTrue {
					notReady = time.Now()
				} else if !notReady.IsZero() && !ready.After(notReady) {
					ready = time.Now()
				}
				mu.Unlock()
			}
		}()
		start := time.Now()
		victim.Kill()
		if err := victim.StartWith(victim.args...); err != nil {
			b.Fatalf("restart %s: %v", victim.Name, err)
		}
		victim.WaitReady(30 * time.Second)
		time.Sleep(3 * time.Second)
		testcluster.Eventually(b, time.Minute, func() error {
			mu.Lock()
			defer mu.Unlock()
			if !notReady.IsZero() && !ready.After(notReady) {
				return fmt.Errorf("node %s not Ready", victim.Name)
			}
			return nil
		})
		close(stop)
		<-polled
		var d time.Duration
		if !notReady.IsZero() {
			d = ready.Sub(start)
		}
		runs = append(runs, d)
		failed := 0
		objs, err := observer.Client().List(context.Background(), "pods", "default", "app=web")
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range objs {
			if p := o.(*api.Pod); p.Status.Phase == api.PodFailed || p.Spec.NodeName != victim.Name && p.Spec.NodeName != "" && p.CreationTimestamp != nil && p.CreationTimestamp.After(start) {
				failed++
			}
		}
		b.Logf("run %d: restarted %s, not Ready until %s after the kill, %d pods given up or replaced", i, victim.Name, d, failed)
		if failed > 0 {
			b.Errorf("run %d: agent restart gave up or replaced %d pods", i, failed)
		}
	}
	reportRuns(b, "kill -9 agent and restart → node Ready again", runs)
}
