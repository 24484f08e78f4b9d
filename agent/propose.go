package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/pki"
)

// ErrNoLeader is returned when no Raft leader could be reached in time.
var ErrNoLeader = errors.New("no raft leader reachable (is a majority of voters up?)")

// proposeTimeout bounds how long a write waits for a leader.
const proposeTimeout = 15 * time.Second

// Propose commits cmd through Raft: locally if this node leads, otherwise
// forwarded to the leader over mutual TLS. It retries across leader changes
// until ctx ends or proposeTimeout passes. It is the one way the agent
// writes: it returns the objects of the result (see
// consensus.ApplyResult.Objects), or an error, which is the command's own
// when it failed its checks (wrapping consensus.ErrConflict, ErrNotFound or
// ErrInvalid) and then changed nothing.
func (a *Agent) Propose(ctx context.Context, cmd consensus.Command) ([]api.Object, error) {
	data, err := consensus.EncodeCommand(cmd)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", consensus.ErrInvalid, err)
	}
	res, err := a.proposeEncoded(ctx, data)
	if err != nil {
		return nil, err
	}
	return res.Objects, res.Err
}

// proposeEncoded commits an encoded command, retrying across leader
// changes.
func (a *Agent) proposeEncoded(ctx context.Context, cmd []byte) (consensus.ApplyResult, error) {
	ctx, cancel := context.WithTimeout(ctx, proposeTimeout)
	defer cancel()
	var lastErr error
	for delay := 50 * time.Millisecond; ; delay = min(2*delay, time.Second) {
		res, err := a.proposeOnce(ctx, cmd)
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

func (a *Agent) proposeOnce(ctx context.Context, cmd []byte) (consensus.ApplyResult, error) {
	if a.raft.IsLeader() {
		start := time.Now()
		res, err := a.raft.Apply(ctx, cmd)
		a.metrics.observeApply(time.Since(start), err)
		return res, err
	}
	leaderID, _ := a.raft.Leader()
	if leaderID == "" {
		return consensus.ApplyResult{}, fmt.Errorf("%w: leader unknown", errRetry)
	}
	addr, ok := a.apiAddrOf(leaderID)
	if !ok {
		return consensus.ApplyResult{}, fmt.Errorf("%w: no gossip address for leader %s", errRetry, leaderID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://"+addr+"/internal/v1/apply", bytes.NewReader(cmd))
	if err != nil {
		return consensus.ApplyResult{}, err
	}
	res, err := a.peerClient.Do(req)
	if err != nil {
		return consensus.ApplyResult{}, fmt.Errorf("%w: forward to leader %s: %v", errRetry, leaderID, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return consensus.ApplyResult{}, fmt.Errorf("%w: forward to leader %s: %v", errRetry, leaderID, err)
	}
	if res.StatusCode == http.StatusMisdirectedRequest {
		return consensus.ApplyResult{}, fmt.Errorf("%w: %s is no longer leader", consensus.ErrNotLeader, leaderID)
	}
	if res.StatusCode != http.StatusOK {
		return consensus.ApplyResult{}, fmt.Errorf("forward to leader %s: %s", leaderID, errorMessage(body, res.Status))
	}
	var wire wireResult
	if err := json.Unmarshal(body, &wire); err != nil {
		return consensus.ApplyResult{}, fmt.Errorf("forward to leader %s: decode result: %w", leaderID, err)
	}
	return wire.result()
}

// apiAddrOf finds a member's API host:port through gossip.
func (a *Agent) apiAddrOf(name string) (string, bool) {
	m, ok := a.gossip.Member(name)
	if !ok || m.Meta.Addr == "" || m.Meta.APIPort == 0 {
		return "", false
	}
	return net.JoinHostPort(m.Meta.Addr, strconv.Itoa(m.Meta.APIPort)), true
}

// wireResult carries an ApplyResult from the leader to a follower.
type wireResult struct {
	Objects []json.RawMessage `json:"objects,omitempty"`
	Error   string            `json:"error,omitempty"`
	Code    string            `json:"code,omitempty"`
}

const (
	codeConflict = "conflict"
	codeNotFound = "notfound"
	codeInvalid  = "invalid"
)

func toWire(res consensus.ApplyResult) (wireResult, error) {
	var w wireResult
	for _, o := range res.Objects {
		b, err := json.Marshal(o)
		if err != nil {
			return w, fmt.Errorf("encode %s: %w", api.KeyOf(o), err)
		}
		w.Objects = append(w.Objects, b)
	}
	if res.Err != nil {
		w.Error = res.Err.Error()
		switch {
		case errors.Is(res.Err, consensus.ErrConflict):
			w.Code = codeConflict
		case errors.Is(res.Err, consensus.ErrNotFound):
			w.Code = codeNotFound
		default:
			w.Code = codeInvalid
		}
	}
	return w, nil
}

func (w wireResult) result() (consensus.ApplyResult, error) {
	var res consensus.ApplyResult
	for _, raw := range w.Objects {
		obj, err := api.DecodeObject(raw, api.DecodeOptions{Stored: true})
		if err != nil {
			return res, fmt.Errorf("forwarded result: %w", err)
		}
		res.Objects = append(res.Objects, obj)
	}
	switch w.Code {
	case "":
	case codeConflict:
		res.Err = fmt.Errorf("%w: %s", consensus.ErrConflict, w.Error)
	case codeNotFound:
		res.Err = fmt.Errorf("%w: %s", consensus.ErrNotFound, w.Error)
	default:
		res.Err = errors.New(w.Error)
	}
	return res, nil
}

// parseToken reads a user-given token and says clearly what is wrong.
func parseToken(s string) (pki.Token, error) {
	tok, err := pki.ParseToken(s)
	if err != nil {
		return pki.Token{}, fmt.Errorf("--token: %w", err)
	}
	return tok, nil
}
