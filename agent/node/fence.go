package node

import (
	"context"
	"time"
)

// RunFenceMonitor watches this node's contact with a Raft majority. A
// node that has heard from no leader for fenceAfter (the agreed
// --fence-after) is fenced: its node
// reconciler must stop StatefulSet pods, because the leader may already
// be starting their replacements elsewhere (it waits at least that long).
// Contact comes back when a leader is heard from again.
func (n *Node) RunFenceMonitor(ctx context.Context, fenceAfter time.Duration) error {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	started := time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		lastContact := n.cfg.Raft.LastContact()
		if lastContact.IsZero() {
			lastContact = started
		}
		fenced := time.Since(lastContact) > fenceAfter
		if was := n.fenced.Swap(fenced); was != fenced {
			if fenced {
				n.log.Warn("cut off from the cluster: fencing StatefulSet pods", "no_leader_contact_for_seconds", time.Since(lastContact).Seconds())
			} else {
				n.log.Info("back in contact with the cluster")
			}
		}
	}
}
