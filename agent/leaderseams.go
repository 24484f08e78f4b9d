package agent

import (
	"github.com/shoal-dev/shoal/agent/leader"
	"github.com/shoal-dev/shoal/placement/controller"
)

// newLeader wires the leader's duties to this agent; Run calls it once
// Raft, gossip and the proposer exist.
func (a *Agent) newLeader() *leader.Leader {
	return leader.New(leader.Config{
		Name:        a.cfg.Name,
		Voters:      a.cfg.Voters,
		VoterGrace:  a.cfg.VoterGrace,
		Placement:   a.cfg.Placement,
		OwnSettings: a.ownSettings,
		Settled:     a.leaderSettings,
		Logger:      a.logger,
		Raft:        a.raft,
		Gossip:      a.gossip,
		View:        a.store,
		Proposer:    a.proposer,
	})
}

// leaderSettings are the agreed settings the leader's duties read, once
// this agent has adopted them.
func (a *Agent) leaderSettings() (leader.Settings, bool) {
	if !a.isSettled() {
		return leader.Settings{}, false
	}
	return leader.Settings{
		ClusterCIDR: a.cfg.ClusterCIDR,
		Controllers: controller.Config{NodeGrace: a.cfg.NodeGrace, FenceAfter: a.cfg.FenceAfter, Services: a.cfg.serviceAddrs()},
	}, true
}
