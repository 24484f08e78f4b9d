package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/shoal-dev/shoal/agent/apiserver"
	"github.com/shoal-dev/shoal/agent/hostinfo"
	"github.com/shoal-dev/shoal/agent/leader"
	"github.com/shoal-dev/shoal/agent/node"
	"github.com/shoal-dev/shoal/agent/propose"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/gossip"
)

// Agent is one Shoal node.
type Agent struct {
	cfg    Config
	logger *slog.Logger

	id     *identity
	store  *consensus.Store
	raft   *consensus.Node
	gossip *gossip.Gossip
	api    *apiserver.Server

	metrics *metrics
	// proposer is the write path (see Propose).
	proposer *propose.Proposer
	// peerClient makes agent-to-agent calls under mutual TLS.
	peerClient *http.Client

	// node is the node side: pods, pod network, services, fencing.
	node *node.Node
	// listeners are the node's host-side DNS and ingress sockets.
	listeners *node.Listeners
	// ownSettings are the cluster-wide settings of this agent's own
	// configuration, fixed at New: what it records as leader of a cluster
	// that has none yet.
	ownSettings api.ClusterConfigSpec
	// leader runs the leader's duties.
	leader *leader.Leader
	// settled is closed once cfg holds the cluster's agreed settings; the
	// parts that read them start only then (see settle).
	settled chan struct{}
	// ready is closed once the agent serves its API.
	ready chan struct{}
	// leaveReq asks Run to leave the cluster gracefully and stop.
	leaveReq chan chan error

	// credMu serializes changes of the credentials (keepCredentials,
	// rotations).
	credMu sync.Mutex
	// nextRenewal is when keepCredentials may try a renewal again after
	// one failed.
	nextRenewal time.Time
}

// New checks cfg and returns an agent; it does no I/O.
func New(cfg Config) (*Agent, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	// A restore makes a new one-voter cluster: what --force-new-cluster
	// would do, so users who type both get what they meant.
	cfg.ForceNewCluster = cfg.ForceNewCluster && cfg.Restore == ""

	return &Agent{
		cfg:         cfg,
		logger:      cfg.Logger.With("node", cfg.Name),
		ownSettings: clusterSpecOf(&cfg),
		settled:     make(chan struct{}),
		ready:       make(chan struct{}),
		leaveReq:    make(chan chan error, 1),
	}, nil
}

// Ready is closed once the agent has joined and serves its API.
func (a *Agent) Ready() <-chan struct{} { return a.ready }

// Run brings the node up — bootstrapping a new cluster, joining one, or
// rejoining with the identity in the data dir — and runs until ctx ends or
// the node leaves.
func (a *Agent) Run(ctx context.Context) error {
	// A snapshot to restore is read and checked before anything changes.
	var restore []byte
	if a.cfg.Restore != "" {
		data, info, err := readRestore(a.cfg.Restore, a.cfg.DataDir)
		if err != nil {
			return err
		}
		restore = data
		a.logger.Info("restoring the cluster state from a snapshot into a new cluster", "file", a.cfg.Restore, "index", info.Index, "objects", info.Objects)
	}
	// The host-side DNS and ingress ports first: one the agent cannot
	// have stops it before it joins, not as a member that then fails.
	ls, err := node.Bind(a.cfg.dnsConfig(), a.cfg.ingressConfig())
	if err != nil {
		return err
	}
	defer ls.Close()
	a.listeners = ls
	id, peers, bootstrap, err := a.establishIdentity(ctx)
	if err != nil {
		return err
	}
	a.id = id
	a.peerClient = &http.Client{
		Timeout: 20 * time.Second,
		// Forwarded writes arrive concurrently: keep connections to the
		// leader open instead of paying a TLS handshake per write.
		// At most 48 at once to one agent, under its per-source cap
		// (apiserver.DefaultMaxConnsPerSource): more queue here.
		Transport: &http.Transport{TLSClientConfig: id.TLS.ClientConfig(), MaxIdleConnsPerHost: 48, MaxConnsPerHost: 48},
	}
	a.store = consensus.NewStore()
	a.metrics = newMetrics(a)

	a.raft, err = consensus.Open(consensus.Config{
		ID:                a.cfg.Name,
		Dir:               filepath.Join(a.cfg.DataDir, dirRaft),
		BindAddr:          net.JoinHostPort(a.cfg.BindAddr, strconv.Itoa(a.cfg.RaftPort)),
		AdvertiseAddr:     net.JoinHostPort(a.cfg.AdvertiseAddr, strconv.Itoa(a.cfg.RaftPort)),
		ServerTLS:         id.TLS.MutualServerConfig(),
		ClientTLS:         id.TLS.ClientConfig(),
		Bootstrap:         bootstrap,
		ForceNewCluster:   a.cfg.ForceNewCluster,
		Restore:           restore,
		SnapshotInterval:  a.cfg.RaftSnapshotInterval,
		SnapshotThreshold: a.cfg.RaftSnapshotThreshold,
		Logger:            a.logger.With("component", "raft"),
		OnConnRefused:     a.metrics.raftConnRefused,
	}, a.store)
	if err != nil {
		return err
	}
	a.proposer = propose.New(propose.Config{
		Raft:    a.raft,
		APIAddr: a.apiAddrOf,
		Client:  a.peerClient,
		Observe: a.metrics.observeApply,
	})
	defer func() {
		if err := a.raft.Close(); err != nil {
			a.logger.Warn("raft shutdown", "err", err)
		}
	}()

	meta, err := a.localMeta()
	if err != nil {
		return err
	}
	gcfg := gossip.Config{
		Name:          a.cfg.Name,
		BindAddr:      a.cfg.BindAddr,
		BindPort:      a.cfg.GossipPort,
		AdvertiseAddr: a.cfg.AdvertiseAddr,
		AdvertisePort: a.cfg.GossipPort,
		Key:           id.GossipKey,
		Meta:          meta,
		Logger:        a.logger.With("component", "gossip"),
		ProbeInterval: DefaultGossipProbeInterval,
		ProbeTimeout:  DefaultGossipProbeTimeout,
	}
	if a.cfg.GossipFast {
		// Loopback tests: detect failures in about a second.
		gcfg.ProbeInterval = 200 * time.Millisecond
		gcfg.ProbeTimeout = 100 * time.Millisecond
		gcfg.GossipInterval = 50 * time.Millisecond
		gcfg.SuspicionMult = 3
		gcfg.PushPullInterval = 5 * time.Second
	}
	a.gossip, err = gossip.New(gcfg)
	if err != nil {
		return err
	}
	a.leader = a.newLeader()
	a.node = a.newNode()
	a.api, err = a.newAPIServer()
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return a.gossip.Run(ctx) })
	g.Go(func() error {
		select {
		case <-a.gossip.Started():
		case <-ctx.Done():
			return nil
		}
		if err := a.api.Run(ctx); err != nil {
			return fmt.Errorf("api: %w", err)
		}
		return nil
	})
	g.Go(func() error { return a.runMetricsListener(ctx) })
	g.Go(func() error { return a.joinGossip(ctx, peers) })
	g.Go(func() error { return a.leader.RunDuties(ctx) })
	// The parts that read the cluster-wide settings start once the agent
	// has adopted the cluster's (settle fails on a conflicting flag).
	g.Go(func() error { return a.settle(ctx) })
	g.Go(func() error { return a.afterSettled(ctx, a.leader.RunControllers) })
	g.Go(func() error {
		return a.afterSettled(ctx, func(ctx context.Context) error { return a.node.RunFenceMonitor(ctx, a.cfg.FenceAfter) })
	})
	g.Go(func() error { return a.node.RunResourceReporter(ctx) })
	g.Go(func() error { return a.runPeerRecorder(ctx) })
	g.Go(func() error { return a.keepCredentials(ctx) })
	g.Go(func() error {
		return a.afterSettled(ctx, func(ctx context.Context) error { return a.node.Run(ctx, a.nodeSettings()) })
	})
	g.Go(func() error {
		select {
		case <-ctx.Done():
			return nil
		case done := <-a.leaveReq:
			err := a.leave(ctx)
			done <- err
			cancel()
			return err
		}
	})
	if bootstrap {
		printJoinCommand(os.Stdout, net.JoinHostPort(a.cfg.AdvertiseAddr, strconv.Itoa(a.cfg.APIPort)), a.cfg.DataDir, id.Secrets())
	}
	return g.Wait()
}

// establishIdentity loads the node's identity from the data dir, or joins
// a cluster, or makes a new one. bootstrap is true for a new cluster.
func (a *Agent) establishIdentity(ctx context.Context) (id *identity, peers []string, bootstrap bool, err error) {
	if err := secureDataDir(a.cfg.DataDir, a.logger); err != nil {
		return nil, nil, false, err
	}
	id, ok, err := loadIdentity(a.cfg.DataDir)
	if err != nil {
		return nil, nil, false, err
	}
	ips := []net.IP{net.ParseIP(a.cfg.AdvertiseAddr)}
	switch {
	case ok:
		if a.cfg.Join != "" {
			a.logger.Info("data dir already holds a cluster identity; rejoining with it and ignoring --join", "data_dir", a.cfg.DataDir)
		}
		peers, err = loadPeers(a.cfg.DataDir, a.logger)
		if err != nil {
			return nil, nil, false, err
		}
		return id, peers, false, nil
	case a.cfg.Join != "":
		tok, err := parseToken(a.cfg.Token)
		if err != nil {
			return nil, nil, false, err
		}
		resp, keyPEM, err := joinCluster(ctx, a.cfg.Join, tok, a.cfg.Name, a.cfg.AdvertiseAddr)
		if err != nil {
			return nil, nil, false, err
		}
		// Refuse conflicting flags before becoming a member at all (the
		// replica check in settle covers clusters that sent no settings).
		if resp.Settings != nil {
			if err := checkSettings(&a.cfg, resp.Settings); err != nil {
				return nil, nil, false, err
			}
		}
		id, err = saveIdentity(a.cfg.DataDir, []byte(resp.CACert), []byte(resp.NodeCert), keyPEM, tok.CAHash, resp.GossipKey)
		if err != nil {
			return nil, nil, false, fmt.Errorf("save identity: %w", err)
		}
		if err := savePeers(a.cfg.DataDir, resp.Peers); err != nil {
			return nil, nil, false, err
		}
		if resp.Settings != nil {
			if err := saveSettings(a.cfg.DataDir, resp.Settings); err != nil {
				return nil, nil, false, err
			}
		}
		return id, resp.Peers, false, nil
	default:
		if a.cfg.ForceNewCluster {
			return nil, nil, false, errors.New("--force-new-cluster needs a data dir that holds a cluster replica")
		}
		key, err := gossip.GenerateKey()
		if err != nil {
			return nil, nil, false, err
		}
		id, err = newClusterIdentity(a.cfg.DataDir, a.cfg.Name, ips, key, a.cfg.CertValidity)
		if err != nil {
			return nil, nil, false, fmt.Errorf("new cluster: %w", err)
		}
		return id, nil, true, nil
	}
}

// localMeta is what this node gossips about itself.
func (a *Agent) localMeta() (gossip.Meta, error) {
	capacity, err := hostinfo.Capacity(a.cfg.DataDir)
	if err != nil {
		return gossip.Meta{}, fmt.Errorf("read machine capacity: %w", err)
	}
	if a.cfg.CPU > 0 {
		capacity.CPU = a.cfg.CPU
	}
	if a.cfg.Memory > 0 {
		capacity.Memory = a.cfg.Memory
	}
	labels := map[string]string{
		"kubernetes.io/hostname": a.cfg.Name,
		"kubernetes.io/os":       goruntime.GOOS,
		"kubernetes.io/arch":     goruntime.GOARCH,
	}
	for k, v := range a.cfg.Labels {
		labels[k] = v
	}
	return gossip.Meta{
		Addr:       a.cfg.AdvertiseAddr,
		APIPort:    a.cfg.APIPort,
		RaftPort:   a.cfg.RaftPort,
		CPU:        capacity.CPU,
		Memory:     capacity.Memory,
		Disk:       capacity.Disk,
		FreeCPU:    capacity.CPU,
		FreeMemory: capacity.Memory,
		FreeDisk:   capacity.Disk,
		Labels:     labels,
		MaxPods:    a.cfg.MaxPods,
		Version:    Version,
		Runtime:    runtimeName(a.cfg.Runtime),
		CA:         caTag(issuerHash(a.id.TLS.Leaf(), a.id.TLS.Trust())),
	}, nil
}

// runtimeName is what a node gossips as its container runtime.
func runtimeName(runtime string) string {
	if runtime == RuntimeNone {
		return ""
	}
	return runtime
}

// joinGossip joins the gossip pool through peers, retrying until one
// answers (a restarted node whose peers are also restarting waits for
// them).
func (a *Agent) joinGossip(ctx context.Context, peers []string) error {
	select {
	case <-a.gossip.Started():
	case <-ctx.Done():
		return nil
	}
	defer close(a.ready)
	var others []string
	self := net.JoinHostPort(a.cfg.AdvertiseAddr, strconv.Itoa(a.cfg.GossipPort))
	for _, p := range peers {
		if p != self {
			others = append(others, p)
		}
	}
	if len(others) == 0 {
		return nil
	}
	for delay := 500 * time.Millisecond; ; delay = min(2*delay, 5*time.Second) {
		n, err := a.gossip.Join(others)
		if n > 0 {
			a.logger.Info("joined gossip", "contacted", n)
			return nil
		}
		a.logger.Warn("gossip join failed; retrying", "peers", others, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
	}
}

// Leave asks the running agent to leave the cluster gracefully and stop.
func (a *Agent) Leave(ctx context.Context) error {
	done := make(chan error, 1)
	select {
	case a.leaveReq <- done:
	default:
		return errors.New("leave already in progress")
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Version is the agent version, set at build time with -ldflags.
var Version = "dev"
