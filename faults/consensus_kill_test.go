package faults

import (
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/testcluster"
)

// raftKeys are the ConfigMaps the consensus scenarios' clients contend
// on: few, so that reads and writes of one key interleave often.
var raftKeys = []string{"reg-a", "reg-b", "reg-c"}

// TestConsensusKillLeaderLinearizable kills the Raft leader (kill -9)
// while six clients write and read three ConfigMaps through every agent:
// the whole history, reads included, is linearizable, and no
// acknowledged write is lost. (e2e's TestKillLeaderLosesNoAcknowledgedWrite
// checks one writer's creates; this checks contended overwrites and reads
// from several clients against their real-time order.)
func TestConsensusKillLeaderLinearizable(t *testing.T) {
	t.Parallel()
	c := testcluster.New(t)
	for _, n := range []string{"n1", "n2", "n3"} {
		c.Add(n)
	}
	leader := raftLeader(t, c, c.Agents[0])
	survivors := raftOthers(c, leader)

	w := startRaftWorkload(6, raftKeys, c.Agents)
	defer w.stop()
	time.Sleep(2 * time.Second)
	killedAt := w.h.now()
	killed := time.Now()
	leader.Kill()
	w.setTargets(survivors)
	newLeader, seen := raftNewLeader(t, survivors, leader.Name)
	time.Sleep(3 * time.Second)
	w.stop()

	final := w.finalReads(t, survivors)
	lost := w.verify(t, final)
	t.Logf("leader %s killed (kill -9): %s elected, seen %.2fs after the kill; first write called after the kill acknowledged %.2fs after it",
		leader.Name, newLeader, seen.Sub(killed).Seconds(), w.h.firstAckAfter(killedAt).Seconds())
	t.Logf("%s; %d reads given up (replica too slow); acknowledged writes lost: %d", w.h.stats(), w.syncTimeouts.Load(), lost)
}
