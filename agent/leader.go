package agent

import (
	"context"
	"net"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/gossip"
)

// reconcileInterval is the period of the leader's full reconcile, which
// makes a missed gossip event harmless.
const reconcileInterval = time.Second

// runLeaderDuties does, while this node leads, what only the leader does:
// keep Raft voters healthy and Node objects in step with gossip. It wakes
// on gossip events and on a timer.
func (a *Agent) runLeaderDuties(ctx context.Context) error {
	events, unsubscribe := a.gossip.Subscribe(64)
	defer unsubscribe()
	tick := time.NewTicker(reconcileInterval)
	defer tick.Stop()
	leading := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-events:
		case <-tick.C:
		}
		if !a.raft.IsLeader() {
			leading = false
			a.leading.Store(false)
			continue
		}
		if !leading {
			// A new leader first catches up with everything committed.
			if err := a.raft.Barrier(5 * time.Second); err != nil {
				a.logger.Warn("barrier after election", "err", err)
				continue
			}
			a.logger.Info("leading the cluster")
			leading = true
			a.leading.Store(true)
		}
		a.recordSettings(ctx)
		a.reconcileVoters()
		if a.isSettled() {
			// Node objects get pod CIDRs from the agreed cluster CIDR.
			a.reconcileNodes(ctx)
		}
	}
}

// reconcileVoters runs the voter plan and carries it out.
func (a *Agent) reconcileVoters() {
	servers, err := a.raft.Servers()
	if err != nil {
		a.logger.Warn("read raft configuration", "err", err)
		return
	}
	members := raftMembers(a.gossip.Members())
	for _, act := range consensus.PlanVoters(servers, members, a.cfg.Name, a.cfg.Voters, a.cfg.VoterGrace, time.Now()) {
		a.logger.Info("raft membership change", "op", act.Op, "server", act.ID)
		if err := a.raft.Execute(act); err != nil {
			a.logger.Warn("raft membership change failed", "op", act.Op, "server", act.ID, "err", err)
			return
		}
	}
}

// raftMembers maps the gossip view onto what PlanVoters needs.
func raftMembers(ms []gossip.Member) []consensus.Member {
	out := make([]consensus.Member, 0, len(ms))
	for _, m := range ms {
		var st consensus.MemberStatus
		switch m.Status {
		case gossip.StatusAlive:
			st = consensus.MemberAlive
		case gossip.StatusSuspect:
			st = consensus.MemberSuspect
		case gossip.StatusDead:
			st = consensus.MemberDead
		case gossip.StatusLeft:
			st = consensus.MemberLeft
		}
		addr := ""
		if m.Meta.Addr != "" && m.Meta.RaftPort != 0 {
			addr = net.JoinHostPort(m.Meta.Addr, strconv.Itoa(m.Meta.RaftPort))
		}
		out = append(out, consensus.Member{ID: m.Name, RaftAddress: addr, Status: st, Since: m.Since})
	}
	return out
}
