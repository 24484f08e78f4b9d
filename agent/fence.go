package agent

import (
	"context"
	"time"
)

// runFenceMonitor watches this node's contact with a Raft majority. A
// node that has heard from no leader for --fence-after is fenced: its node
// reconciler must stop StatefulSet pods, because the leader may already
// be starting their replacements elsewhere (it waits at least that long).
// Contact comes back when a leader is heard from again.
func (a *Agent) runFenceMonitor(ctx context.Context) error {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	started := time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		lastContact := a.raft.LastContact()
		if lastContact.IsZero() {
			lastContact = started
		}
		fenced := time.Since(lastContact) > a.cfg.FenceAfter
		if was := a.fenced.Swap(fenced); was != fenced {
			if fenced {
				a.logger.Warn("cut off from the cluster: fencing StatefulSet pods", "no_leader_contact_for_seconds", time.Since(lastContact).Seconds())
			} else {
				a.logger.Info("back in contact with the cluster")
			}
		}
	}
}

// Fenced reports whether this node has lost contact with a Raft majority
// for longer than --fence-after.
func (a *Agent) Fenced() bool { return a.fenced.Load() }
