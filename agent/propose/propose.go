package propose

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// ErrNoLeader is returned when no Raft leader could be reached in time.
var ErrNoLeader = errors.New("no raft leader reachable (is a majority of voters up?)")

// Timeout bounds how long a write waits for a leader.
const Timeout = 15 * time.Second

// maxResult bounds a forwarded result read back from the leader.
const maxResult = 8 << 20

// Raft is the part of the local Raft node a proposer uses.
type Raft interface {
	// IsLeader reports whether this node leads.
	IsLeader() bool
	// Leader returns the current leader's ID and Raft address, "" if
	// unknown.
	Leader() (id, addr string)
	// Apply commits an encoded command; leader only.
	Apply(ctx context.Context, cmd []byte) (consensus.ApplyResult, error)
}

// Config is what a Proposer needs.
type Config struct {
	// Raft is this node's Raft node.
	Raft Raft
	// APIAddr finds a member's API host:port (through gossip).
	APIAddr func(name string) (string, bool)
	// Client makes agent-to-agent calls under mutual TLS.
	Client *http.Client
	// Observe records the duration and outcome of a local apply
	// (metrics); nil for none.
	Observe func(time.Duration, error)
}

// Proposer commits commands through Raft.
type Proposer struct {
	cfg Config
}

// New returns a Proposer; it does no I/O.
func New(cfg Config) *Proposer {
	if cfg.Observe == nil {
		cfg.Observe = func(time.Duration, error) {}
	}
	return &Proposer{cfg: cfg}
}

// Propose commits cmd through Raft: locally if this node leads, otherwise
// forwarded to the leader over mutual TLS. It retries across leader changes
// until ctx ends or Timeout passes. It is the one way the agent
// writes: it returns the objects of the result (see
// consensus.ApplyResult.Objects), or an error, which is the command's own
// when it failed its checks (wrapping consensus.ErrConflict, ErrNotFound or
// ErrInvalid) and then changed nothing.
func (p *Proposer) Propose(ctx context.Context, cmd consensus.Command) ([]api.Object, error) {
	data, err := consensus.EncodeCommand(cmd)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", consensus.ErrInvalid, err)
	}
	res, err := p.proposeEncoded(ctx, data)
	if err != nil {
		return nil, err
	}
	return res.Objects, res.Err
}

// ApplyLocal commits an encoded command on this node, which must lead
// (consensus.ErrNotLeader otherwise), and records it like a local
// proposal: the leader's side of a forwarded write.
func (p *Proposer) ApplyLocal(ctx context.Context, cmd []byte) (consensus.ApplyResult, error) {
	start := time.Now()
	res, err := p.cfg.Raft.Apply(ctx, cmd)
	p.cfg.Observe(time.Since(start), err)
	return res, err
}

// proposeEncoded commits an encoded command, retrying across leader
// changes.
func (p *Proposer) proposeEncoded(ctx context.Context, cmd []byte) (consensus.ApplyResult, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	var lastErr error
	for delay := 50 * time.Millisecond; ; delay = min(2*delay, time.Second) {
		res, err := p.proposeOnce(ctx, cmd)
		if err == nil || !errors.Is(err, consensus.ErrNotLeader) && !errors.Is(err, errRetry) {
			return res, err
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return consensus.ApplyResult{}, fmt.Errorf("%w: %v", ErrNoLeader, lastErr)
		case <-time.After(delay):
		}
	}
}

// errRetry marks a forwarding failure worth retrying (leader unknown,
// leader unreachable, leader changed).
var errRetry = errors.New("retry")

func (p *Proposer) proposeOnce(ctx context.Context, cmd []byte) (consensus.ApplyResult, error) {
	if p.cfg.Raft.IsLeader() {
		return p.ApplyLocal(ctx, cmd)
	}
	leaderID, _ := p.cfg.Raft.Leader()
	if leaderID == "" {
		return consensus.ApplyResult{}, fmt.Errorf("%w: leader unknown", errRetry)
	}
	addr, ok := p.cfg.APIAddr(leaderID)
	if !ok {
		return consensus.ApplyResult{}, fmt.Errorf("%w: no gossip address for leader %s", errRetry, leaderID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://"+addr+"/internal/v1/apply", bytes.NewReader(cmd))
	if err != nil {
		return consensus.ApplyResult{}, err
	}
	res, err := p.cfg.Client.Do(req)
	if err != nil {
		return consensus.ApplyResult{}, fmt.Errorf("%w: forward to leader %s: %v", errRetry, leaderID, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxResult))
	if err != nil {
		return consensus.ApplyResult{}, fmt.Errorf("%w: forward to leader %s: %v", errRetry, leaderID, err)
	}
	if res.StatusCode == http.StatusMisdirectedRequest {
		return consensus.ApplyResult{}, fmt.Errorf("%w: %s is no longer leader", consensus.ErrNotLeader, leaderID)
	}
	if res.StatusCode != http.StatusOK {
		return consensus.ApplyResult{}, fmt.Errorf("forward to leader %s: %s", leaderID, ErrorMessage(body, res.Status))
	}
	var wire WireResult
	if err := json.Unmarshal(body, &wire); err != nil {
		return consensus.ApplyResult{}, fmt.Errorf("forward to leader %s: decode result: %w", leaderID, err)
	}
	return wire.Result()
}

// ErrorMessage extracts the "error" of an API error body, or falls back
// to the HTTP status.
func ErrorMessage(body []byte, status string) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	return status
}
