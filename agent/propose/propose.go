package propose

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// ErrNoLeader is returned when no Raft leader could be reached in time.
var ErrNoLeader = errors.New("no raft leader reachable (is a majority of voters up?)")

// Timeout bounds how long a write waits for a leader.
const Timeout = 15 * time.Second

// maxRetryDelay caps the wait between attempts to find and reach a leader.
const maxRetryDelay = 200 * time.Millisecond

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
// writes: it returns the key and resourceVersion of each object of the
// result (see consensus.ApplyResult.Objects), never the objects, so the
// answer is small however large they are; or an error, which is the
// command's own when it failed its checks (wrapping consensus.ErrConflict,
// ErrNotFound or ErrInvalid) and then changed nothing. A command that
// encodes to more than MaxCommand bytes is refused (ErrTooLarge) whether
// this node leads or not. A command forwarded under a context from
// WithAuthorization carries the user's credential to the leader.
func (p *Proposer) Propose(ctx context.Context, cmd consensus.Command) ([]api.Written, error) {
	data, err := consensus.EncodeCommand(cmd)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", consensus.ErrInvalid, err)
	}
	if err := checkSize(data); err != nil {
		return nil, err
	}
	res, err := p.proposeEncoded(ctx, data)
	if err != nil {
		return nil, err
	}
	return res.written, res.err
}

// result is what a committed command reports: the objects written and the
// command's own error.
type result struct {
	written []api.Written
	err     error
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
func (p *Proposer) proposeEncoded(ctx context.Context, cmd []byte) (result, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	var lastErr error
	// Short, capped waits: during an election a new leader is usually
	// known within a few hundred milliseconds, and a write should follow
	// it at once rather than after a long back-off (at most about 75
	// attempts in Timeout).
	for delay := 50 * time.Millisecond; ; delay = min(2*delay, maxRetryDelay) {
		res, err := p.proposeOnce(ctx, cmd)
		if err == nil || !errors.Is(err, consensus.ErrNotLeader) && !errors.Is(err, errRetry) {
			return res, err
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return result{}, fmt.Errorf("%w: %v", ErrNoLeader, lastErr)
		case <-time.After(delay):
		}
	}
}

// ErrForbidden is returned when the leader refuses a node's own write
// (node restriction): nothing of the command was written.
var ErrForbidden = errors.New("refused")

// errRetry marks a forwarding failure worth retrying (leader unknown,
// leader unreachable, leader changed).
var errRetry = errors.New("retry")

func (p *Proposer) proposeOnce(ctx context.Context, cmd []byte) (result, error) {
	if p.cfg.Raft.IsLeader() {
		res, err := p.ApplyLocal(ctx, cmd)
		if err != nil {
			return result{}, err
		}
		return result{written: written(res.Objects), err: res.Err}, nil
	}
	leaderID, _ := p.cfg.Raft.Leader()
	if leaderID == "" {
		return result{}, fmt.Errorf("%w: leader unknown", errRetry)
	}
	addr, ok := p.cfg.APIAddr(leaderID)
	if !ok {
		return result{}, fmt.Errorf("%w: no gossip address for leader %s", errRetry, leaderID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://"+addr+"/internal/v1/apply", bytes.NewReader(cmd))
	if err != nil {
		return result{}, err
	}
	// A user's write goes with the user's credential; the leader
	// authorizes it by that, and anything else by this node's certificate.
	if h := Authorization(ctx); h != "" {
		req.Header.Set("Authorization", h)
	}
	res, err := p.cfg.Client.Do(req)
	if err != nil {
		if notSent(err) {
			return result{}, fmt.Errorf("%w: forward to leader %s: %v", errRetry, leaderID, err)
		}
		// The leader may have received the command and committed it.
		return result{}, fmt.Errorf("%w: forward to leader %s: %v", consensus.ErrOutcomeUnknown, leaderID, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxResult))
	if err != nil {
		return result{}, fmt.Errorf("%w: forward to leader %s: read the answer: %v", consensus.ErrOutcomeUnknown, leaderID, err)
	}
	switch res.StatusCode {
	case http.StatusMisdirectedRequest:
		return result{}, fmt.Errorf("%w: %s is no longer leader", consensus.ErrNotLeader, leaderID)
	case http.StatusGatewayTimeout:
		return result{}, fmt.Errorf("%w: leader %s: %s", consensus.ErrOutcomeUnknown, leaderID, ErrorMessage(body, res.Status))
	}
	if res.StatusCode == http.StatusForbidden {
		return result{}, fmt.Errorf("%w by leader %s: %s", ErrForbidden, leaderID, ErrorMessage(body, res.Status))
	}
	if res.StatusCode != http.StatusOK {
		return result{}, fmt.Errorf("forward to leader %s: %s", leaderID, ErrorMessage(body, res.Status))
	}
	if len(body) >= maxResult {
		// Only a leader that breaks the result's bound gets here; the
		// write may have been committed.
		return result{}, fmt.Errorf("forward to leader %s: result over %d bytes; the write may have been committed", leaderID, maxResult)
	}
	var wire WireResult
	if err := json.Unmarshal(body, &wire); err != nil {
		return result{}, fmt.Errorf("forward to leader %s: decode result: %w", leaderID, err)
	}
	w, cmdErr := wire.Result()
	return result{written: w, err: cmdErr}, nil
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

// notSent reports whether a forwarding error happened before the request
// could reach the leader (no connection was made), so that sending it
// again, to the same or a new leader, cannot apply it twice. Errors after
// the connection was made are ambiguous: the leader may have the command.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
