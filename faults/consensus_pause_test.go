package faults

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// raftPauseFor is how long the paused leader stays stopped: well past
// the election timeout (0.5-1 s, see consensus.DefaultElectionTimeout)
// and the heartbeat timeout, so the others elect a new leader while it
// still believes it leads.
const raftPauseFor = 4 * time.Second

// TestConsensusPausedLeaderStepsDown stops the Raft leader (SIGSTOP) for
// longer than the election timeout while clients keep writing and reading
// through every agent, the paused one included, then continues it: the
// others elect a new leader; the old one comes back as a follower of it;
// the requests it took while paused (it answers them after the resume,
// with the view it had as leader) leave a linearizable history with no
// acknowledged write lost; and its replica ends equal to the others'.
func TestConsensusPausedLeaderStepsDown(t *testing.T) {
	t.Parallel()
	c := testcluster.New(t)
	for _, n := range []string{"n1", "n2", "n3"} {
		c.Add(n)
	}
	old := raftLeader(t, c, c.Agents[0])
	others := raftOthers(c, old)

	w := startRaftWorkload(6, raftKeys, c.Agents)
	defer w.stop()
	time.Sleep(1500 * time.Millisecond)
	paused := time.Now()
	pausedAt := w.h.now()
	c.Pause(old)
	newLeader, seen := raftNewLeader(t, others, old.Name)
	time.Sleep(time.Until(paused.Add(raftPauseFor)))
	resumedAt := w.h.now()
	logBefore := len(old.Log())
	c.Resume(old)
	resumed := time.Now()

	// The old leader follows the new one (or a later one), and no one
	// else leads.
	var stepDown time.Duration
	testcluster.Eventually(t, 20*time.Second, func() error {
		st, err := raftStatus(old)
		if err != nil {
			return err
		}
		if st.Leader == "" || st.Leader == old.Name {
			return fmt.Errorf("%s after resume: leader %q, want another agent", old.Name, st.Leader)
		}
		stepDown = time.Since(resumed)
		return nil
	})
	time.Sleep(1500 * time.Millisecond)
	w.stop()

	final := w.finalReads(t, c.Agents)
	lost := w.verify(t, final)
	raftSameObjects(t, c.Agents)
	raftOneLeader(t, c.Agents, old.Name)

	held, heldAcked := w.h.inFlight(pausedAt, resumedAt, w.clientsOf(old))
	t.Logf("leader %s paused (SIGSTOP) for %s: %s elected, seen %.2fs after the pause; %s followed another leader %.2fs after SIGCONT",
		old.Name, raftPauseFor, newLeader, seen.Sub(paused).Seconds(), old.Name, stepDown.Seconds())
	t.Logf("%d operations held by %s while it was stopped, %d of them writes acknowledged after the resume; %s; acknowledged writes lost: %d",
		held, old.Name, heldAcked, w.h.stats(), lost)
	if after := old.Log()[logBefore:]; !strings.Contains(after, "entering follower state") {
		t.Errorf("%s's log shows no Raft step-down (entering follower state) after the resume:\n%s", old.Name, after)
	}
}

// clientsOf lists the clients that send to a (client i sends to
// targets[i % len(targets)]).
func (w *raftWorkload) clientsOf(a *testcluster.Agent) map[int]bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[int]bool{}
	for i := range 1000 {
		if w.targets[i%len(w.targets)] == a {
			out[i] = true
		}
	}
	return out
}

// inFlight counts the operations of the given clients in flight at some
// time in [from, to], and the acknowledged writes among them.
func (h *raftHistory) inFlight(from, to int64, clients map[int]bool) (ops, ackedWrites int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, op := range h.ops {
		if !clients[op.ClientId] || op.Call > to || op.Return < from {
			continue
		}
		ops++
		if op.Input.(raftInput).Write && op.Return != raftUnknown {
			ackedWrites++
		}
	}
	return ops, ackedWrites
}

// raftSameObjects checks that every agent's replica holds the same
// ConfigMaps of the history at the same resourceVersions.
func raftSameObjects(t *testing.T, agents []*testcluster.Agent) {
	t.Helper()
	testcluster.Eventually(t, 10*time.Second, func() error {
		var first string
		for i, a := range agents {
			objs, err := a.Client().List(t.Context(), "configmaps", "default", "app=raft-history")
			if err != nil {
				return fmt.Errorf("list through %s: %w", a.Name, err)
			}
			var b strings.Builder
			for _, o := range objs {
				cm := o.(*api.ConfigMap)
				fmt.Fprintf(&b, "%s@%s=%s ", cm.Name, cm.ResourceVersion, cm.Data["v"])
			}
			if i == 0 {
				first = b.String()
			} else if b.String() != first {
				return fmt.Errorf("%s holds %s; %s holds %s", a.Name, b.String(), agents[0].Name, first)
			}
		}
		return nil
	})
}

// raftOneLeader checks that all agents agree on one leader and that it is
// not the agent named notThis.
func raftOneLeader(t *testing.T, agents []*testcluster.Agent, notThis string) {
	t.Helper()
	testcluster.Eventually(t, 10*time.Second, func() error {
		leaders := map[string]bool{}
		for _, a := range agents {
			st, err := raftStatus(a)
			if err != nil {
				return err
			}
			leaders[st.Leader] = true
			n := 0
			for _, m := range st.Members {
				if m.Raft == api.RoleLeader {
					n++
				}
			}
			if n != 1 {
				return fmt.Errorf("%s lists %d leaders among members, want 1", a.Name, n)
			}
		}
		if len(leaders) != 1 || leaders[notThis] || leaders[""] {
			return fmt.Errorf("agents name leaders %v, want one, not %s", leaders, notThis)
		}
		return nil
	})
}
