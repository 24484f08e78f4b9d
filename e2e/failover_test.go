package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// agentNamed finds an agent by name.
func agentNamed(c *testcluster.Cluster, name string) *testcluster.Agent {
	for _, a := range c.Agents {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// leaderOf returns the leader as a's replica knows it.
func leaderOf(t *testing.T, a *testcluster.Agent) string {
	t.Helper()
	var leader string
	testcluster.Eventually(t, 20*time.Second, func() error {
		st, err := status(a)
		if err != nil {
			return err
		}
		if st.Leader == "" {
			return fmt.Errorf("%s knows no leader", a.Name)
		}
		leader = st.Leader
		return nil
	})
	return leader
}

func TestKillLeaderLosesNoAcknowledgedWrite(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 3)
	leader := agentNamed(c, leaderOf(t, c.Agents[0]))
	var writer *testcluster.Agent
	for _, a := range c.Agents {
		if a != leader {
			writer = a
			break
		}
	}
	cl := writer.Client()

	// Write continuously through a follower; remember every acknowledged
	// write. Kill -9 the leader in the middle.
	var mu sync.Mutex
	var acked []string
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ctx.Err() == nil; i++ {
			name := fmt.Sprintf("w-%d", i)
			wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
			_, err := cl.Apply(wctx, []byte(fmt.Sprintf(configMapYAML, name, "v")))
			wcancel()
			if err == nil {
				mu.Lock()
				acked = append(acked, name)
				mu.Unlock()
			}
		}
	}()
	time.Sleep(time.Second)
	killed := time.Now()
	leader.Kill()
	var newLeader string
	testcluster.Eventually(t, 15*time.Second, func() error {
		st, err := status(writer)
		if err != nil {
			return err
		}
		if st.Leader == "" || st.Leader == leader.Name {
			return fmt.Errorf("no new leader yet (leader %q)", st.Leader)
		}
		newLeader = st.Leader
		return nil
	})
	t.Logf("new leader %s elected %.2fs after kill -9 of %s", newLeader, time.Since(killed).Seconds(), leader.Name)
	time.Sleep(time.Second)
	cancel()
	<-done

	mu.Lock()
	defer mu.Unlock()
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged")
	}
	for _, a := range c.Agents {
		if a == leader {
			continue
		}
		testcluster.Eventually(t, 10*time.Second, func() error {
			objs, err := a.Client().List(context.Background(), "configmaps", "default", "app=demo")
			if err != nil {
				return err
			}
			have := map[string]bool{}
			for _, o := range objs {
				have[o.GetObjectMeta().Name] = true
			}
			for _, name := range acked {
				if !have[name] {
					return fmt.Errorf("%s: acknowledged write %s lost (%d acked, %d present)", a.Name, name, len(acked), len(objs))
				}
			}
			return nil
		})
	}
	t.Logf("%d acknowledged writes, all present on both survivors", len(acked))
}

func TestFiveAgentsVoterReplacement(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 5, "--voters", "3", "--voter-grace", "2s")
	testcluster.Eventually(t, 30*time.Second, func() error {
		st, err := status(c.Agents[0])
		if err != nil {
			return err
		}
		r := roles(st)
		if r["leader"] != 1 || r["voter"] != 2 || r["nonvoter"] != 2 {
			return fmt.Errorf("got roles %v, want 1 leader, 2 voters, 2 nonvoters", r)
		}
		return nil
	})
	// Kill a voter that is not the leader.
	st, err := status(c.Agents[0])
	if err != nil {
		t.Fatal(err)
	}
	var victim *testcluster.Agent
	for _, m := range st.Members {
		if m.Raft == "voter" {
			victim = agentNamed(c, m.Name)
			break
		}
	}
	victim.Kill()
	var observer *testcluster.Agent
	for _, a := range c.Agents {
		if a != victim {
			observer = a
			break
		}
	}
	killed := time.Now()
	testcluster.Eventually(t, 60*time.Second, func() error {
		st, err := status(observer)
		if err != nil {
			return err
		}
		r := roles(st)
		for _, m := range st.Members {
			if m.Name == victim.Name && m.Raft != "none" {
				return fmt.Errorf("dead voter %s still %s in raft", victim.Name, m.Raft)
			}
		}
		if r["leader"] != 1 || r["voter"] != 2 || r["nonvoter"] != 1 {
			return fmt.Errorf("got roles %v among alive, want 1 leader, 2 voters, 1 nonvoter", r)
		}
		return nil
	})
	t.Logf("voter %s replaced %.1fs after kill -9", victim.Name, time.Since(killed).Seconds())
	// The promoted node took the CA key over; only voters hold it.
	testcluster.Eventually(t, 30*time.Second, func() error { return caKeyOnVotersOnly(c, observer) })
}

// caKeyOnVotersOnly checks that exactly the alive Raft voters (as
// observer sees them) hold the CA key in their data dir.
func caKeyOnVotersOnly(c *testcluster.Cluster, observer *testcluster.Agent) error {
	st, err := status(observer)
	if err != nil {
		return err
	}
	for _, m := range st.Members {
		if m.Status != "alive" {
			continue
		}
		_, err := os.Stat(filepath.Join(agentNamed(c, m.Name).DataDir, "ca.key"))
		voter := m.Raft == api.RoleLeader || m.Raft == api.RoleVoter
		if (err == nil) != voter {
			return fmt.Errorf("%s (%s): holds the CA key %v, want %v", m.Name, m.Raft, err == nil, voter)
		}
	}
	return nil
}

// TestDemotedVoterGivesUpCAKey: of three voters one dies; with two
// healthy nodes the cluster keeps one voter, and the demoted node deletes
// the CA key and tokens.
func TestDemotedVoterGivesUpCAKey(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 3, "--voter-grace", "2s")
	testcluster.Eventually(t, 30*time.Second, func() error {
		st, err := status(c.Agents[0])
		if err != nil {
			return err
		}
		if r := roles(st); r["leader"] != 1 || r["voter"] != 2 {
			return fmt.Errorf("got roles %v, want 1 leader and 2 voters", r)
		}
		return caKeyOnVotersOnly(c, c.Agents[0])
	})
	st, err := status(c.Agents[0])
	if err != nil {
		t.Fatal(err)
	}
	var victim, observer *testcluster.Agent
	for _, m := range st.Members {
		if m.Raft == api.RoleVoter && victim == nil {
			victim = agentNamed(c, m.Name)
		} else if m.Raft == api.RoleLeader {
			observer = agentNamed(c, m.Name)
		}
	}
	victim.Kill()
	testcluster.Eventually(t, 60*time.Second, func() error {
		st, err := status(observer)
		if err != nil {
			return err
		}
		if r := roles(st); r["leader"] != 1 || r["voter"] != 0 || r["nonvoter"] != 1 {
			return fmt.Errorf("got roles %v among alive, want 1 leader and 1 nonvoter", r)
		}
		return caKeyOnVotersOnly(c, observer)
	})
}

func TestRestartedAgentRejoins(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 3)
	n3 := c.Agents[2]
	n3.Stop()
	// A write while n3 is down.
	if _, errOut, err := c.Agents[0].CLIWithInput([]byte(fmt.Sprintf(configMapYAML, "while-down", "x")), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply: %v: %s", err, errOut)
	}
	n3.Restart()
	testcluster.Eventually(t, 20*time.Second, func() error {
		got, err := readyNodes(n3)
		if err != nil {
			return err
		}
		if len(got) != 3 {
			return fmt.Errorf("n3 sees Ready nodes %v, want 3", got)
		}
		if _, errOut, err := n3.CLI("get", "configmap", "while-down"); err != nil {
			return fmt.Errorf("n3 misses the write made while it was down: %s", errOut)
		}
		return nil
	})
	st, err := status(c.Agents[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range st.Members {
		if m.Status != "alive" || m.Raft == "none" {
			t.Fatalf("got member %+v after restart, want all alive with a raft role", m)
		}
	}
}

func TestGracefulLeave(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 3)
	n3 := c.Agents[2]
	if out, errOut, err := n3.CLI("leave"); err != nil {
		t.Fatalf("leave: %v: %s %s", err, out, errOut)
	}
	if err := n3.Wait(30 * time.Second); err != nil {
		t.Fatalf("n3 exit after leave: %v", err)
	}
	testcluster.Eventually(t, 20*time.Second, func() error {
		st, err := status(c.Agents[0])
		if err != nil {
			return err
		}
		for _, m := range st.Members {
			if m.Name == "n3" && (m.Status != "left" || m.Raft != "none") {
				return fmt.Errorf("got n3 %+v, want left and out of raft", m)
			}
		}
		nodes, err := readyNodes(c.Agents[0])
		if err != nil {
			return err
		}
		if len(nodes) != 2 {
			return fmt.Errorf("got nodes %v, want n1, n2", nodes)
		}
		return nil
	})
	// Two nodes left: one voter (odd), one non-voter.
	testcluster.Eventually(t, 20*time.Second, func() error {
		st, err := status(c.Agents[0])
		if err != nil {
			return err
		}
		if r := roles(st); r["leader"] != 1 || r["nonvoter"] != 1 {
			return fmt.Errorf("got roles %v, want 1 leader + 1 nonvoter", r)
		}
		return nil
	})
}

func TestForceNewCluster(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 3)
	if _, errOut, err := c.Agents[0].CLIWithInput([]byte(fmt.Sprintf(configMapYAML, "survives", "x")), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply: %v: %s", err, errOut)
	}
	n1 := c.Agents[0]
	testcluster.Eventually(t, 10*time.Second, func() error {
		_, _, err := n1.CLI("get", "configmap", "survives")
		return err
	})
	// Quorum lost for good: two of three voters are gone.
	c.Agents[1].Kill()
	c.Agents[2].Kill()
	n1.Kill()
	n1.Restart("--force-new-cluster")
	testcluster.Eventually(t, 20*time.Second, func() error {
		st, err := status(n1)
		if err != nil {
			return err
		}
		if st.Leader != "n1" {
			return fmt.Errorf("got leader %q, want n1", st.Leader)
		}
		return nil
	})
	if _, errOut, err := n1.CLI("get", "configmap", "survives"); err != nil {
		t.Fatalf("replica lost its data: %s", errOut)
	}
	if _, errOut, err := n1.CLIWithInput([]byte(fmt.Sprintf(configMapYAML, "after", "later")), "apply", "-f", "-"); err != nil {
		t.Fatalf("write after force-new-cluster: %v: %s", err, errOut)
	}
}

func TestLeaveOnTerminate(t *testing.T) {
	skipShort(t)
	c := testcluster.New(t)
	c.Add("n1")
	n2 := c.Add("n2", "--leave-on-terminate")
	testcluster.Eventually(t, 10*time.Second, func() error {
		st, err := status(c.Agents[0])
		if err != nil {
			return err
		}
		if r := roles(st); r["nonvoter"] != 1 {
			return fmt.Errorf("got roles %v, want n2 as nonvoter", r)
		}
		return nil
	})
	n2.Stop() // SIGTERM
	testcluster.Eventually(t, 15*time.Second, func() error {
		st, err := status(c.Agents[0])
		if err != nil {
			return err
		}
		for _, m := range st.Members {
			if m.Name == "n2" && (m.Status != "left" || m.Raft != "none") {
				return fmt.Errorf("got n2 %+v, want left and out of raft", m)
			}
		}
		return nil
	})
}
