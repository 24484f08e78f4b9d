package gossip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
)

// ErrNotRunning is returned by calls that need the memberlist while Run is
// not running (before it started or after it returned).
var ErrNotRunning = errors.New("gossip is not running")

// tickInterval is how often Run expires suspicions and retained members.
const tickInterval = 200 * time.Millisecond

// Gossip is this node's membership in the cluster. Create it with New, start
// it with Run, then Join a member. All methods are safe for concurrent use.
type Gossip struct {
	cfg    Config // with defaults
	logger *slog.Logger

	started chan struct{}
	ran     atomic.Bool

	// mlMu guards ml, which is nil until Run has created the memberlist
	// and again once Run shuts it down.
	mlMu sync.RWMutex
	ml   *memberlist.Memberlist

	// updateMu serializes UpdateMeta and Leave.
	updateMu sync.Mutex
	// metaMu guards the local meta, the leaving mark and their encoding.
	metaMu  sync.RWMutex
	meta    Meta
	leaving bool
	encoded []byte

	// mu guards the member table and the subscribers. Memberlist calls in
	// with its own node lock held, so code holding mu never calls
	// memberlist.
	mu      sync.Mutex
	members map[string]*record
	subs    map[int]chan Event
	nextSub int
	closed  bool // Run has returned; no more events
}

// record is a member plus what this node tracks about it.
type record struct {
	Member
	leaving      bool      // it gossiped the leaving mark
	suspectUntil time.Time // when a suspicion is over for sure
}

// New checks cfg and returns a Gossip ready to Run. It does no I/O.
func New(cfg Config) (*Gossip, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	cfg.Key = bytes.Clone(cfg.Key)
	cfg.Meta = cfg.Meta.clone()
	enc, err := encodeMeta(cfg.Meta, false)
	if err != nil {
		return nil, err // Validate has checked; kept for safety
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Gossip{
		cfg:     cfg,
		logger:  logger,
		started: make(chan struct{}),
		meta:    cfg.Meta,
		encoded: enc,
		members: make(map[string]*record),
		subs:    make(map[int]chan Event),
	}, nil
}

// Run starts listening and gossiping, and runs until ctx ends; then it shuts
// memberlist down without leaving (peers will see this node fail; call
// Leave first for a graceful exit) and closes every subscription. Started
// is closed once the listeners are up. Run may be called only once.
func (g *Gossip) Run(ctx context.Context) error {
	if !g.ran.CompareAndSwap(false, true) {
		return errors.New("gossip: Run called more than once")
	}
	defer g.closeSubscribers()

	mc := g.memberlistConfig()
	ml, err := memberlist.Create(mc)
	if err != nil {
		return fmt.Errorf("start gossip on %s: %w", net.JoinHostPort(g.cfg.BindAddr, strconv.Itoa(g.cfg.BindPort)), err)
	}
	g.mlMu.Lock()
	g.ml = ml
	g.mlMu.Unlock()
	close(g.started)
	g.logger.Info("gossip started", "name", g.cfg.Name, "addr", g.LocalAddr())

	rctx, stopReconnect := context.WithCancel(ctx)
	go g.reconnectUntil(rctx)
	g.tickUntil(ctx)
	stopReconnect()

	g.mlMu.Lock()
	g.ml = nil
	g.mlMu.Unlock()
	if err := ml.Shutdown(); err != nil {
		return fmt.Errorf("shut down gossip: %w", err)
	}
	return nil
}

// tickUntil expires suspicions and retained members until ctx ends.
func (g *Gossip) tickUntil(ctx context.Context) {
	t := time.NewTicker(tickInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			g.tick(now)
		}
	}
}

// Started is closed once Run has its listeners up and Join can be called.
// It is never closed if Run fails to start.
func (g *Gossip) Started() <-chan struct{} { return g.started }

// memberlistConfig maps g.cfg onto memberlist's LAN defaults.
func (g *Gossip) memberlistConfig() *memberlist.Config {
	c := g.cfg
	mc := memberlist.DefaultLANConfig()
	mc.Name = c.Name
	mc.BindAddr = c.BindAddr
	mc.BindPort = c.BindPort
	mc.AdvertiseAddr = c.AdvertiseAddr
	mc.AdvertisePort = c.AdvertisePort
	if mc.AdvertisePort == 0 {
		mc.AdvertisePort = c.BindPort // memberlist replaces it when BindPort is 0
	}
	mc.Label = Label
	mc.SecretKey = bytes.Clone(c.Key)
	mc.GossipVerifyIncoming = true
	mc.GossipVerifyOutgoing = true
	mc.ProbeInterval = c.ProbeInterval
	mc.ProbeTimeout = c.ProbeTimeout
	mc.SuspicionMult = c.SuspicionMult
	mc.SuspicionMaxTimeoutMult = suspicionMaxTimeoutMult
	mc.GossipInterval = c.GossipInterval
	mc.PushPullInterval = c.PushPullInterval
	d := &delegate{g: g}
	mc.Delegate = d
	mc.Events = d
	mc.Ping = d
	mc.Logger = log.New(&logSink{g: g}, "", 0)
	return mc
}

// Join contacts the given members ("host:port", port defaulting to
// DefaultBindPort) and syncs state with them. It returns how many it
// reached; the error is non-nil only when none could be joined.
func (g *Gossip) Join(addrs []string) (int, error) {
	g.mlMu.RLock()
	ml := g.ml
	g.mlMu.RUnlock()
	if ml == nil {
		return 0, ErrNotRunning
	}
	if len(addrs) == 0 {
		return 0, errors.New("join: no addresses given")
	}
	n, err := ml.Join(addrs)
	if err != nil {
		return n, fmt.Errorf("join %s: %w", strings.Join(addrs, ", "), err)
	}
	return n, nil
}

// Leave tells the cluster this node is leaving, so peers list it as left
// rather than dead, and waits up to timeout (BroadcastTimeout if <= 0) for
// the message to go out. Gossip keeps running (and can no longer rejoin)
// until Run's context ends.
func (g *Gossip) Leave(timeout time.Duration) error {
	if timeout <= 0 {
		timeout = g.cfg.BroadcastTimeout
	}
	deadline := time.Now().Add(timeout)
	g.updateMu.Lock()
	defer g.updateMu.Unlock()
	g.mlMu.RLock() // held so that Run does not shut down mid-leave
	defer g.mlMu.RUnlock()
	if g.ml == nil {
		return ErrNotRunning
	}

	g.metaMu.Lock()
	already := g.leaving
	enc, err := encodeMeta(g.meta, true)
	if err == nil {
		g.leaving = true
		g.encoded = enc
	}
	g.metaMu.Unlock()
	if err != nil {
		return fmt.Errorf("leave: %w", err) // cannot happen: sizes always count the mark
	}
	if !already {
		// Best effort: peers that miss the mark report this node dead.
		if err := g.ml.UpdateNode(timeout / 2); err != nil {
			g.logger.Debug("leaving mark not confirmed", "err", err)
		}
	}
	if err := g.ml.Leave(max(time.Until(deadline), time.Millisecond)); err != nil {
		return fmt.Errorf("leave: %w", err)
	}
	return nil
}

// UpdateMeta changes this node's meta with f and gossips it, waiting up to
// BroadcastTimeout for the broadcast to go out. If the result does not fit
// in MetaMaxSize nothing changes and the error wraps ErrMetaTooLarge. f runs
// on a copy and must not call UpdateMeta or Leave. Before Run (and after it)
// the change is only stored.
func (g *Gossip) UpdateMeta(f func(*Meta)) error {
	g.updateMu.Lock()
	defer g.updateMu.Unlock()

	g.metaMu.RLock()
	m := g.meta.clone()
	leaving := g.leaving
	g.metaMu.RUnlock()
	f(&m)
	enc, err := encodeMeta(m, leaving)
	if err != nil {
		return fmt.Errorf("update meta: %w", err)
	}
	g.metaMu.Lock()
	g.meta = m.clone()
	g.encoded = enc
	g.metaMu.Unlock()

	g.mlMu.RLock()
	defer g.mlMu.RUnlock()
	if g.ml == nil || leaving {
		// Not running, or left: memberlist drops our own alive messages
		// after Leave and would make UpdateNode wait for the timeout.
		return nil
	}
	if err := g.ml.UpdateNode(g.cfg.BroadcastTimeout); err != nil {
		return fmt.Errorf("update meta: %w", err)
	}
	return nil
}

// LocalMeta returns this node's current meta.
func (g *Gossip) LocalMeta() Meta {
	g.metaMu.RLock()
	defer g.metaMu.RUnlock()
	return g.meta.clone()
}

// LocalName returns this node's name.
func (g *Gossip) LocalName() string { return g.cfg.Name }

// LocalAddr returns the "host:port" this node advertises for gossip, the
// address other nodes Join; empty before Run has started.
func (g *Gossip) LocalAddr() string {
	m, ok := g.Member(g.cfg.Name)
	if !ok {
		return ""
	}
	return net.JoinHostPort(m.Addr, strconv.Itoa(m.Port))
}

// Members returns every known member, this node included: alive, suspect,
// and dead or left ones for DeadRetention. Sorted by name.
func (g *Gossip) Members() []Member {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]Member, 0, len(g.members))
	for _, r := range g.members {
		m := r.Member
		m.Meta = m.Meta.clone()
		out = append(out, m)
	}
	sortMembers(out)
	return out
}

// Member returns the named member, if known.
func (g *Gossip) Member(name string) (Member, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	r, ok := g.members[name]
	if !ok {
		return Member{}, false
	}
	m := r.Member
	m.Meta = m.Meta.clone()
	return m, true
}

// NumAlive returns how many members are alive or suspect, this node
// included.
func (g *Gossip) NumAlive() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, r := range g.members {
		if !r.Gone() {
			n++
		}
	}
	return n
}
