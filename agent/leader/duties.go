package leader

import (
	"context"
	"net"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/gossip"
)

// reconcileInterval is the period of the leader's full reconcile, which
// makes a missed gossip event harmless.
const reconcileInterval = time.Second

// RunDuties does, while this node leads, what only the leader does:
// keep Raft voters healthy and Node objects in step with gossip. It wakes
// on gossip events, on a host probe's new verdict and on a timer.
func (l *Leader) RunDuties(ctx context.Context) error {
	events, unsubscribe := l.cfg.Gossip.Subscribe(64)
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
		case <-l.hosts.wake:
		}
		if !l.cfg.Raft.IsLeader() {
			leading = false
			l.leading.Store(false)
			continue
		}
		if !leading {
			// A new leader first catches up with everything committed.
			if err := l.cfg.Raft.Barrier(5 * time.Second); err != nil {
				l.log.Warn("barrier after election", "err", err)
				continue
			}
			l.log.Info("leading the cluster")
			leading = true
			l.leading.Store(true)
		}
		// Probes of silent machines start first: the duties below may wait
		// on Raft.
		now := time.Now()
		for _, m := range l.cfg.Gossip.Members() {
			l.hosts.observe(ctx, m, now)
		}
		l.recordSettings(ctx)
		l.reconcileVoters()
		if set, ok := l.cfg.Settled(); ok {
			// Node objects get pod CIDRs from the agreed cluster CIDR.
			l.reconcileNodes(ctx, set.ClusterCIDR)
		}
	}
}

// reconcileVoters runs the voter plan and carries it out.
func (l *Leader) reconcileVoters() {
	servers, err := l.cfg.Raft.Servers()
	if err != nil {
		l.log.Warn("read raft configuration", "err", err)
		return
	}
	members := raftMembers(l.cfg.Gossip.Members())
	if o, ok := l.cfg.View.Get("ClusterAuth", "", api.ClusterAuthName); ok {
		// Workers (admitted with the worker join token) never vote.
		auth := &o.(*api.ClusterAuth).Spec
		for i := range members {
			members[i].NoVote = auth.IsWorker(members[i].ID)
		}
	}
	for _, act := range consensus.PlanVoters(servers, members, l.cfg.Name, l.cfg.Voters, l.cfg.VoterGrace, time.Now()) {
		l.log.Info("raft membership change", "op", act.Op, "server", act.ID)
		if err := l.cfg.Raft.Execute(act); err != nil {
			l.log.Warn("raft membership change failed", "op", act.Op, "server", act.ID, "err", err)
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
