package apiserver

import (
	"context"
	"errors"
	"time"

	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/gossip"
	"github.com/shoal-dev/shoal/placement/svcaddr"
)

// Proposer commits writes through Raft (the agent's propose.Proposer).
type Proposer interface {
	// Propose commits cmd and returns the key and resourceVersion of
	// each object of its result, or an error: the command's own (wrapping consensus.ErrConflict,
	// ErrNotFound or ErrInvalid) when it failed its checks, or
	// propose.ErrNoLeader when no leader could be reached.
	Propose(ctx context.Context, cmd consensus.Command) ([]api.Written, error)
}

// Credentials checks the secrets clients present. The agent keeps them
// current as they are rotated; every node can check them (it holds their
// hashes in its replica), only voters hold the secrets themselves.
type Credentials interface {
	// Admin reports whether secret is the admin credential's secret: the
	// bearer token of users.
	Admin(secret string) bool
	// Join reports whether secret is a current join token's secret, and
	// whether the node may become a Raft voter (not with the worker
	// join token).
	Join(secret string) (ok, voter bool)
}

// Cluster is membership and Raft as the API sees them.
type Cluster interface {
	// Status reports members, their gossip health and Raft roles.
	Status() api.Status
	// RaftRoles maps node names to their Raft role (api.RoleLeader...).
	RaftRoles() map[string]string
	// Member returns one gossip member.
	Member(name string) (gossip.Member, bool)
	// Members returns every gossip member.
	Members() []gossip.Member
	// IsLeader reports whether this node leads.
	IsLeader() bool
	// ApplyLocal commits a command another agent forwarded; leader only
	// (consensus.ErrNotLeader otherwise).
	ApplyLocal(ctx context.Context, cmd []byte) (consensus.ApplyResult, error)
	// RemoveServer removes a node from Raft; leader only.
	RemoveServer(name string) error
	// Leave makes this agent leave the cluster and stop.
	Leave(ctx context.Context) error
}

// Settings are the cluster-wide settings the API needs.
type Settings interface {
	// WaitSettled waits until the agent has adopted the cluster's
	// settings; it returns ErrNotSettled if that takes too long.
	WaitSettled(ctx context.Context) error
	// ServiceAddrs is where service addresses come from; read it only
	// after WaitSettled.
	ServiceAddrs() svcaddr.Config
	// NodeGrace is how long a node may be not Ready before it is lost.
	NodeGrace() time.Duration
	// FenceAfter is how long an agent cut off from a Raft majority keeps
	// its StatefulSet pods: their node is lost only after
	// max(NodeGrace, FenceAfter).
	FenceAfter() time.Duration
	// MaxReplicas is the most replicas a workload may be given through
	// this API (--max-replicas), or 0 for the limit from the cluster's
	// pod capacity.
	MaxReplicas() int
	// PodSecurity is the Pod Security level of namespaces without the
	// pod-security.kubernetes.io/enforce label (--pod-security).
	PodSecurity() api.PodSecurityLevel
}

// Runtime is this node's container runtime.
type Runtime interface {
	// ContainerRuntime is the runtime, or an error saying why there is
	// none (none configured, or still starting).
	ContainerRuntime() (*runtime.Runtime, error)
}

// ErrNotSettled answers requests that need the cluster-wide settings
// before this agent has read them.
var ErrNotSettled = errors.New("this agent has not read the cluster's settings from its replica yet; try again shortly")
