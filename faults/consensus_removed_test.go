package faults

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/testcluster"
)

// raftLongCut is how long the cut lasts once both sides hold each other
// dead: past memberlist's GossipToTheDeadTime (30 s in its LAN defaults).
const raftLongCut = 32 * time.Second

// TestConsensusPartitionPastVoterGrace cuts the node running a
// StatefulSet's identity off until the majority removed it from Raft
// (past --voter-grace) and both sides hold each other dead in gossip,
// keeps the cut raftLongCut longer, then heals: the node must come back (alive in every agent's gossip view,
// back in Raft, committing writes, holding the same objects) and the
// identity must never run twice. Before gossip reconnected to members it
// held dead, the node was never added back to Raft (the others refused
// its connections as "not a voter") and stayed NotReady; and before the
// fence waited for a caught-up replica, the node once started the
// identity from its stale replica on the heal while the majority ran it.
func TestConsensusPartitionPastVoterGrace(t *testing.T) {
	t.Parallel()
	c := testcluster.NewNetNS(t, "--fence-after", "3s", "--node-grace", "2s", "--voter-grace", "2s")
	for _, n := range []string{"n1", "n2", "n3"} {
		c.Add(n)
	}
	raftImportBusybox(t, c)
	marker := raftMarker(t)
	if out, stderr, err := c.Agents[0].CLIWithInput(fmt.Appendf(nil, raftIdentity, marker), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply: %v %s%s", err, out, stderr)
	}
	testcluster.Eventually(t, 90*time.Second, func() error {
		if n := len(raftMarked(marker)); n != 1 {
			return fmt.Errorf("%d containers of the identity running, want 1", n)
		}
		return nil
	})
	sampler := raftSampleIdentity(marker)
	defer sampler.stop()
	minority, err := raftNodeOf(c, c.Agents[0], "ident-0")
	if err != nil {
		t.Fatal(err)
	}
	majority := raftOthers(c, minority)
	c.Isolate(minority)
	t.Logf("%s: %s cut off both ways", time.Now().Format("15:04:05.000"), minority.Name)
	testcluster.Eventually(t, 60*time.Second, func() error {
		if node, err := raftNodeOf(c, majority[0], "ident-0"); err != nil {
			return err
		} else if node == minority {
			return fmt.Errorf("ident-0 still placed on %s", minority.Name)
		}
		st, err := raftStatus(majority[0])
		if err != nil {
			return err
		}
		for _, m := range st.Members {
			if m.Name == minority.Name && m.Raft != "none" {
				return fmt.Errorf("%s still %s in Raft", m.Name, m.Raft)
			}
		}
		// Both sides of the cut hold the other dead in gossip.
		st, err = raftStatus(minority)
		if err != nil {
			return err
		}
		for _, m := range st.Members {
			if m.Name != minority.Name && m.Status != "dead" {
				return fmt.Errorf("%s still holds %s %s", minority.Name, m.Name, m.Status)
			}
		}
		return nil
	})
	// Past memberlist's window for gossiping to dead members (30 s).
	time.Sleep(raftLongCut)
	c.Heal()
	t.Logf("%s: healed", time.Now().Format("15:04:05.000"))
	// Watch the identity while the healed node comes back.
	time.Sleep(15 * time.Second)
	sampler.stop()
	if most := sampler.most.Load(); most > 1 {
		t.Errorf("%d containers of one StatefulSet identity ran at once: %s", most, strings.Join(sampler.twice, ", "))
	}
	raftAllAlive(t, c.Agents)
	raftCommitsThrough(t, newRaftHistory(), minority)
	raftSameObjects(t, c.Agents)
}
