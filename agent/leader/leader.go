package leader

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/gossip"
	"github.com/shoal-dev/shoal/placement"
	"github.com/shoal-dev/shoal/placement/controller"
	"github.com/shoal-dev/shoal/view"
)

// Raft is the part of the local Raft node the leader's duties use.
type Raft interface {
	// IsLeader reports whether this node leads.
	IsLeader() bool
	// Barrier waits until everything committed is applied locally.
	Barrier(timeout time.Duration) error
	// Servers returns the Raft configuration.
	Servers() ([]consensus.Server, error)
	// Execute carries out a membership change; leader only.
	Execute(consensus.VoterAction) error
}

// Gossip is the membership view the leader's duties follow.
type Gossip interface {
	// Subscribe returns a channel of membership events and a function
	// that ends the subscription.
	Subscribe(buf int) (<-chan gossip.Event, func())
	// Members returns every member.
	Members() []gossip.Member
}

// Proposer commits writes through Raft (the agent's propose.Proposer).
type Proposer interface {
	Propose(ctx context.Context, cmd consensus.Command) ([]api.Written, error)
}

// Settings are the agreed cluster-wide settings the duties read.
type Settings struct {
	// ClusterCIDR is the pod network new Nodes get a /24 of.
	ClusterCIDR string
	// Controllers configures the workload controllers.
	Controllers controller.Config
}

// Config is what the leader's duties need; every field is required.
type Config struct {
	// Name is this node's name.
	Name string
	// Voters is the target number of Raft voters.
	Voters int
	// VoterGrace is how long a voter must be dead before it is replaced.
	VoterGrace time.Duration
	// Placement is the scheduling strategy.
	Placement placement.Strategy
	// OwnSettings are this agent's own cluster-wide settings: what it
	// records as the cluster's when the cluster has none yet.
	OwnSettings api.ClusterConfigSpec
	// Settled returns the cluster's agreed settings once this agent has
	// adopted them, and false before.
	Settled func() (Settings, bool)
	// Logger is the agent's logger.
	Logger *slog.Logger

	Raft     Raft
	Gossip   Gossip
	View     view.View
	Proposer Proposer
}

// Leader runs the leader's duties.
type Leader struct {
	cfg Config
	log *slog.Logger
	// leading is true while this node leads and has caught up with the
	// log (after its barrier): only then do controllers run.
	leading atomic.Bool
	// ingress is the ingress stage's memory between passes.
	ingress ingressMemo
	// hosts probes the machines of nodes whose agents went silent.
	hosts *hostProber
}

// New returns the leader's duties; it does no I/O.
func New(cfg Config) *Leader {
	return &Leader{cfg: cfg, log: cfg.Logger, ingress: ingressMemo{conflicts: routeConflicts}, hosts: newHostProber(cfg.Logger)}
}
