package node

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// rejoinTimeout bounds one attempt to prove the replica caught up after
// contact came back; the monitor tries again at its next tick.
const rejoinTimeout = 5 * time.Second

// RunFenceMonitor watches this node's contact with a Raft majority. A
// node that has heard from no leader for fenceAfter (the agreed
// --fence-after) is fenced: its node reconciler must stop StatefulSet
// pods, because the leader may already be starting their replacements
// elsewhere (it waits at least that long).
//
// Contact alone does not lift the fence: a leader's heartbeat reaches a
// node whose log is still far behind, and its replica may still show
// pods the cluster has moved elsewhere meanwhile. The fence lifts once a
// write made through the leader after contact came back (an event about
// this node) is in the local replica: everything committed before it is
// then applied here too (a read-index barrier).
func (n *Node) RunFenceMonitor(ctx context.Context, fenceAfter time.Duration) error {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	started := time.Now()
	var fencedAt time.Time
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
		cutOff := time.Since(lastContact) > fenceAfter
		switch fenced := n.fenced.Load(); {
		case cutOff && !fenced:
			n.fenced.Store(true)
			fencedAt = time.Now()
			n.log.Warn("cut off from the cluster: fencing StatefulSet pods", "no_leader_contact_for_seconds", time.Since(lastContact).Seconds())
		case !cutOff && fenced:
			if err := n.confirmCaughtUp(ctx, time.Since(fencedAt)); err != nil {
				n.log.Info("leader heard again; the fence stays until the replica caught up", "err", err)
				continue
			}
			n.fenced.Store(false)
			n.log.Info("back in contact with the cluster", "fenced_seconds", time.Since(fencedAt).Seconds())
		}
	}
}

// confirmCaughtUp writes an event about this node through the leader and
// waits until the local replica has applied it.
func (n *Node) confirmCaughtUp(ctx context.Context, fencedFor time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, rejoinTimeout)
	defer cancel()
	ev := n.rejoinEvent(fencedFor)
	written, err := n.cfg.Proposer.Propose(ctx, consensus.Put{Objects: []api.Object{ev}, Mode: consensus.ModeReplace, Time: time.Now()})
	if err != nil {
		return fmt.Errorf("write the rejoin event: %w", err)
	}
	if len(written) != 1 {
		return fmt.Errorf("write the rejoin event: %d objects written, want 1", len(written))
	}
	index, err := strconv.ParseUint(written[0].ResourceVersion, 10, 64)
	if err != nil {
		return fmt.Errorf("rejoin event version %q: %w", written[0].ResourceVersion, err)
	}
	for n.cfg.View.Index() < index {
		select {
		case <-ctx.Done():
			return fmt.Errorf("replica at index %d, the rejoin event at %d: %w", n.cfg.View.Index(), index, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// rejoinEvent is the Normal event "Rejoined" about this node.
func (n *Node) rejoinEvent(fencedFor time.Duration) *api.Event {
	obj, _ := api.New("Event")
	ev := obj.(*api.Event)
	now := time.Now().UTC()
	ev.Namespace, ev.Name = "default", api.EventName(n.cfg.Name, "rejoined")
	ev.InvolvedObject = api.ObjectReference{Kind: "Node", Name: n.cfg.Name}
	ev.Type, ev.Reason, ev.Count = "Normal", "Rejoined", 1
	ev.Message = fmt.Sprintf("back in contact with the cluster after %s fenced; StatefulSet pods may start again", fencedFor.Round(time.Second))
	ev.FirstTimestamp, ev.LastTimestamp = &now, &now
	ev.Source = api.EventSource{Component: "shoal-agent", Host: n.cfg.Name}
	return ev
}
