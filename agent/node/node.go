package node

import (
	"context"
	"log/slog"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shoal-dev/shoal/agent/pods"
	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/gossip"
	"github.com/shoal-dev/shoal/netsvc"
	"github.com/shoal-dev/shoal/view"
)

// Raft is the part of the local Raft node the node side uses.
type Raft interface {
	// CaughtUp waits up to timeout for the replica to apply the log it
	// knows of; false if it did not.
	CaughtUp(ctx context.Context, timeout time.Duration) bool
	// LastContact is when this node last heard from a leader (zero if
	// never, now if it leads).
	LastContact() time.Time
}

// Gossip is the membership the node side follows and updates.
type Gossip interface {
	// Subscribe returns a channel of membership events and a function
	// that ends the subscription.
	Subscribe(buf int) (<-chan gossip.Event, func())
	// Members returns every member.
	Members() []gossip.Member
	// Member returns one member.
	Member(name string) (gossip.Member, bool)
	// UpdateMeta changes what this node gossips about itself.
	UpdateMeta(func(*gossip.Meta)) error
}

// Proposer commits writes through Raft (the agent's propose.Proposer).
type Proposer interface {
	Propose(ctx context.Context, cmd consensus.Command) ([]api.Written, error)
}

// Settings are the agreed cluster-wide settings the node side reads.
type Settings struct {
	// ClusterCIDR is the pod network of the whole cluster.
	ClusterCIDR string
	// ServiceCIDR is where service addresses come from.
	ServiceCIDR string
	// ClusterDomain is the DNS zone pods search.
	ClusterDomain string
}

// Config is what the node side needs.
type Config struct {
	// Name is this node's name.
	Name string
	// AdvertiseAddr is the node's IP.
	AdvertiseAddr string
	// AgentPorts are the agent's own ports (gossip, Raft, API), which no
	// service may open on the nodes' addresses.
	AgentPorts []uint16
	// DataDir is the agent's data dir (containerd state, pod logs...).
	DataDir string
	// RunsPods is false on a node that runs no container runtime
	// (--runtime none).
	RunsPods bool
	// ContainerdAddress is containerd's socket; when nothing answers
	// there, containerd is started.
	ContainerdAddress string
	// ContainerdNamespace is the containerd namespace of Shoal's pods.
	ContainerdNamespace string
	// InsecureRegistries are HOST:PORT registries pulled over plain HTTP.
	InsecureRegistries []string
	// RegistryConfig is a docker-style config.json with registry
	// credentials; "" for none.
	RegistryConfig string
	// RestartBackoff is the first crash-loop back-off delay; 0 for the
	// default.
	RestartBackoff time.Duration
	// EvictionHard are the disk thresholds below which pods are evicted
	// (--eviction-hard); Raft's reserve holds whatever they say.
	EvictionHard pods.Thresholds
	// DNS is how this node serves cluster names.
	DNS DNSConfig
	// Ingress is how this node serves HTTP ingress.
	Ingress IngressConfig
	// Listeners are the host-side DNS and ingress sockets (Bind); nil
	// serves none.
	Listeners *Listeners
	// Registry takes the service proxy's and DNS server's metrics.
	Registry prometheus.Registerer
	// Logger is the agent's logger.
	Logger *slog.Logger

	Raft     Raft
	Gossip   Gossip
	View     view.View
	Proposer Proposer
}

// IngressConfig is how this node serves HTTP ingress for the cluster.
type IngressConfig struct {
	// Addr is the plain-HTTP listener ("IP:PORT" or ":PORT"); "" is off.
	Addr string
	// TLSAddr is the HTTPS listener; "" is off.
	TLSAddr string
	// TrustedProxies are the networks whose X-Forwarded-* headers are kept.
	TrustedProxies []netip.Prefix
	// AccessLog logs every request.
	AccessLog bool
}

// Node is the node side of an agent.
type Node struct {
	cfg Config
	log *slog.Logger
	// fenced is true while this node is cut off from a Raft majority for
	// longer than the agreed --fence-after (see RunFenceMonitor).
	fenced atomic.Bool
	// runtime is the container runtime once it is up.
	runtime atomic.Pointer[runtime.Runtime]
	// pods, routes and table run this node's pods and services once the
	// pod network is up.
	pods   atomic.Pointer[pods.Manager]
	routes atomic.Pointer[netsvc.Routes]
	table  atomic.Pointer[netsvc.Table]
	// evictions evicts pods under disk pressure, once pods run.
	evictions atomic.Pointer[pods.EvictionMonitor]
}

// New returns the node side; it does no I/O.
func New(cfg Config) *Node {
	if cfg.Listeners == nil {
		cfg.Listeners = &Listeners{}
	}
	return &Node{cfg: cfg, log: cfg.Logger}
}

// Fenced reports whether this node has lost contact with a Raft majority
// for longer than --fence-after.
func (n *Node) Fenced() bool { return n.fenced.Load() }
