package agent

import (
	"context"
	"net"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/agent/apiserver"
	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/gossip"
	"github.com/shoal-dev/shoal/placement/svcaddr"
)

// newAPIServer wires the HTTP API to this agent; Run calls it once Raft,
// gossip and the proposer exist.
func (a *Agent) newAPIServer() (*apiserver.Server, error) {
	seams := apiSeams{a}
	return apiserver.New(apiserver.Config{
		Node:          a.cfg.Name,
		Addr:          net.JoinHostPort(a.cfg.BindAddr, strconv.Itoa(a.cfg.APIPort)),
		TLS:           a.id.TLS.ServerConfig(),
		DataDir:       a.cfg.DataDir,
		Credentials:   a.credentials(),
		Authority:     authority{a},
		GossipKey:     a.id.GossipKey,
		PeerTransport: a.peerClient.Transport,
		Registry:      a.metrics.registry,
		Logger:        a.logger,
		View:          a.store,
		Proposer:      a.proposer,
		Cluster:       seams,
		Settings:      seams,
		Runtime:       seams,
		Snapshots:     a.raft,
	})
}

// apiSeams is the agent as the API server sees it: its Cluster, Settings
// and Runtime.
type apiSeams struct{ a *Agent }

func (s apiSeams) Status() api.Status                       { return s.a.Status() }
func (s apiSeams) RaftRoles() map[string]string             { return s.a.raftRoles() }
func (s apiSeams) Member(name string) (gossip.Member, bool) { return s.a.gossip.Member(name) }
func (s apiSeams) Members() []gossip.Member                 { return s.a.gossip.Members() }
func (s apiSeams) IsLeader() bool                           { return s.a.raft.IsLeader() }
func (s apiSeams) RemoveServer(name string) error           { return s.a.removeServer(name) }
func (s apiSeams) Leave(ctx context.Context) error          { return s.a.Leave(ctx) }
func (s apiSeams) WaitSettled(ctx context.Context) error    { return s.a.waitSettled(ctx) }
func (s apiSeams) ServiceAddrs() svcaddr.Config             { return s.a.cfg.serviceAddrs() }
func (s apiSeams) NodeGrace() time.Duration                 { return s.a.cfg.NodeGrace }
func (s apiSeams) FenceAfter() time.Duration                { return s.a.cfg.FenceAfter }

// MaxReplicas and PodSecurity are the cluster's, once the agent has
// adopted its settings; its own flags until then (a.cfg changes only
// before a.settled closes, ownSettings never).
func (s apiSeams) MaxReplicas() int {
	if s.a.isSettled() {
		return s.a.cfg.MaxReplicas
	}
	return s.a.ownSettings.MaxReplicas
}

func (s apiSeams) PodSecurity() api.PodSecurityLevel {
	if s.a.isSettled() {
		return s.a.cfg.PodSecurity
	}
	return s.a.ownSettings.PodSecurity
}
func (s apiSeams) ContainerRuntime() (*runtime.Runtime, error) { return s.a.node.ContainerRuntime() }
func (s apiSeams) ApplyLocal(ctx context.Context, cmd []byte) (consensus.ApplyResult, error) {
	return s.a.proposer.ApplyLocal(ctx, cmd)
}
