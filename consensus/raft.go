package consensus

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/hashicorp/raft"

	"github.com/shoal-dev/shoal/internal/connlimit"
)

// ErrNotLeader is returned by Node.Apply on a node that is not the leader;
// the caller forwards the command to the leader.
var ErrNotLeader = errors.New("not the raft leader")

// logCacheEntries is how many of the latest log entries a Node keeps in
// memory for replication and apply: several full batches
// (MaxAppendEntries each).
const logCacheEntries = 512

// Config configures a Node.
type Config struct {
	// ID is the node's Raft server ID: the node name.
	ID string
	// Dir holds the log and stable store (wal/, or raft.db in a data dir
	// from before the write-ahead log: see openLogStore) and snapshots.
	Dir string
	// BindAddr is the host:port the Raft listener binds.
	BindAddr string
	// AdvertiseAddr is the host:port other nodes dial.
	AdvertiseAddr string
	// ServerTLS must require client certificates; ClientTLS presents ours.
	ServerTLS, ClientTLS *tls.Config
	// Bootstrap makes a new single-voter cluster if there is no Raft state.
	Bootstrap bool
	// ForceNewCluster rewrites the Raft configuration to this node alone,
	// keeping the local replica: the way out when quorum is lost for good.
	ForceNewCluster bool
	// Restore, if set, is an FSM snapshot (see ReadExport) that becomes
	// the whole state of a new single-voter cluster of this node; the
	// data dir must hold no Raft state. Bootstrap is then ignored.
	Restore []byte
	// Timings scales Raft's timeouts; zero means DefaultHeartbeatTimeout,
	// DefaultElectionTimeout and DefaultLeaderLeaseTimeout.
	HeartbeatTimeout, ElectionTimeout, LeaderLeaseTimeout time.Duration
	// SnapshotInterval and SnapshotThreshold, if set, replace
	// hashicorp/raft's defaults (check every 2 to 4 minutes, snapshot
	// after 8,192 entries): tests that need a snapshot soon.
	SnapshotInterval  time.Duration
	SnapshotThreshold uint64
	Logger            *slog.Logger
	// OnConnRefused, if set, is called for every connection the Raft
	// port closed before Raft saw it (handshake failed or too slow, or
	// its source held MaxRaftConnsPerSource); metrics count them.
	OnConnRefused func(reason string)
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	switch {
	case c.ID == "":
		return errors.New("raft: node ID required")
	case c.Dir == "":
		return errors.New("raft: data dir required")
	case c.BindAddr == "":
		return errors.New("raft: bind address required")
	case c.ServerTLS == nil || c.ClientTLS == nil:
		return errors.New("raft: TLS configuration required")
	}
	if c.AdvertiseAddr != "" {
		if _, _, err := net.SplitHostPort(c.AdvertiseAddr); err != nil {
			return fmt.Errorf("raft: advertise address: %w", err)
		}
	}
	return nil
}

// Node is this agent's Raft replica of the state store.
type Node struct {
	cfg   Config
	raft  *raft.Raft
	fsm   *FSM
	store *Store
	logs  logStore
	// cache serves the latest entries of logs from memory.
	cache *raft.LogCache
	// logKind is LogStoreWAL or LogStoreBolt.
	logKind string
	trans   *raft.NetworkTransport
	logger  *slog.Logger
	// lastAtOpen is the last log index on disk when the node opened.
	lastAtOpen uint64
}

// Open starts Raft for store: it opens the log store (fsync on every
// write), the snapshot store and the TLS transport, bootstraps or recovers
// if asked, and begins participating. Close stops it.
func Open(cfg Config, store *Store) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("raft dir: %w", err)
	}
	hlog := newHCLogger("raft", logger)

	logs, logKind, err := openLogStore(cfg.Dir, hlog, logger)
	if err != nil {
		return nil, err
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(cfg.Dir, 2, hlog)
	if err != nil {
		_ = logs.Close()
		return nil, fmt.Errorf("open snapshot store: %w", err)
	}
	var advertise net.Addr
	if cfg.AdvertiseAddr != "" {
		advertise, err = net.ResolveTCPAddr("tcp", cfg.AdvertiseAddr)
		if err != nil {
			_ = logs.Close()
			return nil, fmt.Errorf("raft advertise address: %w", err)
		}
	}
	var onRefuse func(connlimit.Reason)
	if cfg.OnConnRefused != nil {
		onRefuse = func(r connlimit.Reason) { cfg.OnConnRefused(string(r)) }
	}
	stream, err := newTLSStream(cfg.BindAddr, advertise, cfg.ServerTLS, cfg.ClientTLS, onRefuse)
	if err != nil {
		_ = logs.Close()
		return nil, err
	}
	trans := raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream:  stream,
		MaxPool: 3,
		Timeout: 10 * time.Second,
		Logger:  hlog,
	})

	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.ID)
	rc.Logger = hlog
	// Group commit: proposals that arrive while the leader writes a batch
	// wait in a buffer of MaxAppendEntries and go out together, one log
	// append (one fsync) and one AppendEntries per follower for all of
	// them; the FSM gets them in one ApplyBatch. Every proposal still
	// gets its own future and so its own ApplyResult.
	rc.BatchApplyCh = true
	setTimeouts(rc, cfg)
	if cfg.SnapshotInterval > 0 {
		rc.SnapshotInterval = cfg.SnapshotInterval
	}
	if cfg.SnapshotThreshold > 0 {
		rc.SnapshotThreshold = cfg.SnapshotThreshold
	}
	fsm := NewFSM(store, logger)
	self := raft.Configuration{Servers: []raft.Server{{
		Suffrage: raft.Voter, ID: rc.LocalID, Address: trans.LocalAddr(),
	}}}

	closeAll := func() {
		_ = trans.Close()
		_ = logs.Close()
	}
	if cfg.ForceNewCluster {
		logger.Warn("forcing a new cluster from the local replica", "node", cfg.ID)
		if err := raft.RecoverCluster(rc, NewFSM(NewStore(), logger), logs, logs, snaps, trans, self); err != nil {
			closeAll()
			return nil, fmt.Errorf("force new cluster: %w", err)
		}
	}
	existing, err := raft.HasExistingState(logs, logs, snaps)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("read raft state: %w", err)
	}
	if cfg.Restore != nil {
		if existing {
			closeAll()
			return nil, fmt.Errorf("restore: %s already holds Raft state; restore onto an empty data dir", cfg.Dir)
		}
		if err := writeRestore(snaps, trans, self, cfg.Restore); err != nil {
			closeAll()
			return nil, fmt.Errorf("restore: %w", err)
		}
		logger.Warn("restored the cluster state from a snapshot as a new single-node cluster", "node", cfg.ID)
		existing = true
	}
	if !existing && cfg.Bootstrap {
		if err := raft.BootstrapCluster(rc, logs, logs, snaps, trans, self); err != nil {
			closeAll()
			return nil, fmt.Errorf("bootstrap raft: %w", err)
		}
	}
	lastAtOpen, err := logs.LastIndex()
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("read raft log: %w", err)
	}
	// The leader's replicators and every replica's FSM read back the
	// entries just written; serve them from memory instead of a read
	// from the store (and a decode) each.
	cached, err := raft.NewLogCache(logCacheEntries, logs)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("raft log cache: %w", err)
	}
	r, err := raft.NewRaft(rc, fsm, cached, logs, snaps, trans)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("start raft: %w", err)
	}
	n := &Node{cfg: cfg, raft: r, fsm: fsm, store: store, logs: logs, cache: cached, logKind: logKind, trans: trans, logger: logger, lastAtOpen: lastAtOpen}
	allow := n.hearsFrom
	stream.logger = logger
	stream.allow.Store(&allow)
	return n, nil
}

// hearsFrom reports whether this node accepts Raft connections from the
// node named name: from the voters of its configuration, or from anyone
// with a cluster certificate while it has no configuration yet (a new
// member hears of the cluster from the leader's first request).
func (n *Node) hearsFrom(name string) bool {
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return false
	}
	servers := f.Configuration().Servers
	if len(servers) == 0 {
		return true
	}
	for _, s := range servers {
		if string(s.ID) == name && s.Suffrage == raft.Voter {
			return true
		}
	}
	return false
}

// Close shuts Raft down (without leaving the configuration).
func (n *Node) Close() error {
	err := n.raft.Shutdown().Error()
	return errors.Join(err, n.trans.Close(), n.logs.Close())
}

// Apply commits cmd through the log and waits for this replica's FSM to
// apply it. Only the leader can apply; others get ErrNotLeader.
func (n *Node) Apply(ctx context.Context, cmd []byte) (ApplyResult, error) {
	if n.raft.State() != raft.Leader {
		return ApplyResult{}, ErrNotLeader
	}
	// Every replica panics on an entry it cannot decode, so nothing
	// undecodable (say, from a buggy peer) may enter the log.
	if _, err := DecodeCommand(cmd); err != nil {
		return ApplyResult{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	timeout := 10 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	f := n.raft.Apply(cmd, timeout)
	if err := f.Error(); err != nil {
		// Refused before entering the log: safe to send to the new leader.
		if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipTransferInProgress) {
			return ApplyResult{}, fmt.Errorf("%w: %v", ErrNotLeader, err)
		}
		// In the log, not known to be committed: a new leader may still
		// commit it.
		if errors.Is(err, raft.ErrLeadershipLost) {
			return ApplyResult{}, fmt.Errorf("%w: %v", ErrOutcomeUnknown, err)
		}
		return ApplyResult{}, fmt.Errorf("raft apply: %w", err)
	}
	res, ok := f.Response().(ApplyResult)
	if !ok {
		return ApplyResult{}, fmt.Errorf("raft apply: unexpected FSM response %T", f.Response())
	}
	return res, nil
}

// LogStore reports which log store this node uses: LogStoreWAL or
// LogStoreBolt.
func (n *Node) LogStore() string { return n.logKind }

// IsLeader reports whether this node is the Raft leader.
func (n *Node) IsLeader() bool { return n.raft.State() == raft.Leader }

// LeaderCh reports leadership changes of this node.
func (n *Node) LeaderCh() <-chan bool { return n.raft.LeaderCh() }

// Leader returns the current leader's ID and address, empty if unknown.
func (n *Node) Leader() (id, addr string) {
	a, i := n.raft.LeaderWithID()
	return string(i), string(a)
}

// Servers returns the current Raft configuration.
func (n *Node) Servers() ([]Server, error) {
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("raft configuration: %w", err)
	}
	var out []Server
	for _, s := range f.Configuration().Servers {
		out = append(out, Server{ID: string(s.ID), Address: string(s.Address), Voter: s.Suffrage == raft.Voter})
	}
	return out, nil
}

// Barrier waits until every committed entry is applied on this node (the
// leader calls it before acting on state after winning an election).
func (n *Node) Barrier(timeout time.Duration) error {
	return n.raft.Barrier(timeout).Error()
}

// Execute carries out one voter action from PlanVoters. Leader only.
func (n *Node) Execute(a VoterAction) error {
	const t = 10 * time.Second
	var f raft.IndexFuture
	id, addr := raft.ServerID(a.ID), raft.ServerAddress(a.Address)
	switch a.Op {
	case OpAddNonvoter:
		f = n.raft.AddNonvoter(id, addr, 0, t)
	case OpPromote:
		f = n.raft.AddVoter(id, addr, 0, t)
	case OpDemote:
		f = n.raft.DemoteVoter(id, 0, t)
	case OpRemove:
		f = n.raft.RemoveServer(id, 0, t)
	default:
		return fmt.Errorf("unknown voter op %q", a.Op)
	}
	if err := f.Error(); err != nil {
		return fmt.Errorf("%s %s: %w", a.Op, a.ID, err)
	}
	return nil
}

// TransferLeadership hands leadership to another voter (graceful leave).
func (n *Node) TransferLeadership() error {
	return n.raft.LeadershipTransfer().Error()
}

// Stats returns hashicorp/raft's stats map (state, term, indexes).
func (n *Node) Stats() map[string]string { return n.raft.Stats() }

// CaughtUp waits until this replica has applied what the cluster had
// committed when it last heard from a leader (a leader: until its own log
// from before it opened is committed and applied), or until timeout or ctx
// ends; it reports whether it caught up. After a restart the replica starts
// from its last snapshot and applies the rest of its log only once a leader
// confirms the commit index, so a part that would act on a missing object
// (removing service rules, for instance) waits for this first. An
// uncommitted tail in the local log does not hold it up: only what a leader
// says is committed counts.
func (n *Node) CaughtUp(ctx context.Context, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if n.caughtUp() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (n *Node) caughtUp() bool {
	stats := n.raft.Stats()
	commit, err := strconv.ParseUint(stats["commit_index"], 10, 64)
	if err != nil || commit == 0 {
		return false
	}
	snap, err := strconv.ParseUint(stats["last_snapshot_index"], 10, 64)
	if err != nil {
		return false
	}
	applied := n.raft.AppliedIndex()
	if n.raft.State() == raft.Leader {
		return commit >= n.lastAtOpen && applied >= commit && n.fsmReached(commit, snap)
	}
	// The commit index comes with the leader's AppendEntries, which also
	// set LastContact.
	return !n.raft.LastContact().IsZero() && applied >= commit && n.fsmReached(commit, snap)
}

// fsmReached reports whether the FSM has applied every entry up to index
// upTo that it will ever see. Raft's AppliedIndex is not enough: Raft
// raises it when it hands entries to the FSM's goroutine, before the FSM
// applied them. The Store's index is that of the last command or
// configuration entry the FSM applied (or of the snapshot it restored);
// entries after it that the FSM never sees (no-ops, barriers) do not
// count. snap is the index of the latest snapshot, which the FSM made or
// restored: entries up to it count as applied even where the log no
// longer holds them.
func (n *Node) fsmReached(upTo, snap uint64) bool {
	for i := max(n.store.Index(), snap) + 1; i <= upTo; i++ {
		var l raft.Log
		if err := n.cache.GetLog(i, &l); err != nil {
			return false
		}
		if l.Type == raft.LogCommand || l.Type == raft.LogConfiguration {
			return false
		}
	}
	return true
}

// LocalAddr is the address other nodes use for this node's Raft.
func (n *Node) LocalAddr() string { return string(n.trans.LocalAddr()) }

// LastContact is when this node last heard from a leader (zero if never);
// a leader reports the time it last confirmed its leadership.
func (n *Node) LastContact() time.Time {
	if n.raft.State() == raft.Leader {
		return time.Now()
	}
	return n.raft.LastContact()
}
