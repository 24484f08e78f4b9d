package leader

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/shoal-dev/shoal/gossip"
)

// Defaults of the host probe.
const (
	// HostProbeTimeout is how long a TCP connect to a silent node's
	// gossip address may take before its machine counts as gone. A live
	// kernel answers a SYN (accept or refuse) within a round trip, well
	// under a millisecond on a LAN; the rest is room for a loaded machine.
	HostProbeTimeout = 300 * time.Millisecond
	// HostReprobeInterval is how often a node that stays silent is
	// probed again, so the evidence follows a machine that comes back
	// (or is found gone later).
	HostReprobeInterval = 2 * time.Second
	// HostPreProbeWindow is how long after this node's direct gossip ping
	// of a member went unanswered the member's machine is probed although
	// gossip has not made it suspect yet (memberlist tries indirect pings
	// first, until the end of its probe round): the verdict is then ready
	// when the suspicion comes. A verdict found up to this long before the
	// node stopped being Ready counts for the outage.
	HostPreProbeWindow = time.Second
)

// hostVerdict is what one probe of a node's address found.
type hostVerdict struct {
	// Reachable is true when the address answered: a connection was
	// accepted or refused.
	Reachable bool
	// At is when the probe ended.
	At time.Time
	// Detail says what happened, for the Node condition and logs.
	Detail string
}

// classifyDial turns the outcome of a TCP connect to addr into a verdict,
// or false when it proves nothing (e.g. no route on this side).
func classifyDial(addr string, err error, took time.Duration, at time.Time) (hostVerdict, bool) {
	var nerr net.Error
	switch {
	case err == nil:
		return hostVerdict{Reachable: true, At: at, Detail: fmt.Sprintf("%s accepted a connection (agent hung or restarting)", addr)}, true
	case errors.Is(err, syscall.ECONNREFUSED):
		return hostVerdict{Reachable: true, At: at, Detail: fmt.Sprintf("%s refused a connection: the machine runs, its agent does not", addr)}, true
	case errors.Is(err, syscall.EHOSTUNREACH):
		return hostVerdict{At: at, Detail: fmt.Sprintf("%s is unreachable: %v", addr, err)}, true
	case errors.As(err, &nerr) && nerr.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return hostVerdict{At: at, Detail: fmt.Sprintf("%s did not answer a connect within %s", addr, took.Round(time.Millisecond))}, true
	}
	return hostVerdict{}, false
}

// hostState is the probe bookkeeping of one node that is not alive.
type hostState struct {
	inFlight bool
	started  time.Time
	verdict  *hostVerdict
}

// hostProber checks whether the machine of a node whose agent stopped
// answering gossip is still there, with a TCP connect to its gossip
// address: at most one probe in flight per node, each bounded by
// timeout, repeated every HostReprobeInterval while the node stays
// silent. Its verdicts become the Node's HostReachable condition.
type hostProber struct {
	log     *slog.Logger
	timeout time.Duration
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	// wake gets a token when a verdict changes, so the leader writes it.
	wake chan struct{}

	mu    sync.Mutex
	hosts map[string]*hostState
}

func newHostProber(log *slog.Logger) *hostProber {
	d := &net.Dialer{}
	return &hostProber{log: log, timeout: HostProbeTimeout, dial: d.DialContext, wake: make(chan struct{}, 1), hosts: map[string]*hostState{}}
}

// observe returns the latest verdict about member m's machine (nil for
// none yet, or when m is alive or left) and starts a probe when m is
// suspect or dead, or alive but its direct ping went unanswered within
// HostPreProbeWindow, and none is in flight or recent.
func (h *hostProber) observe(ctx context.Context, m gossip.Member, now time.Time) *hostVerdict {
	h.mu.Lock()
	defer h.mu.Unlock()
	silent := m.Status == gossip.StatusSuspect || m.Status == gossip.StatusDead
	missed := m.Status == gossip.StatusAlive && !m.Missed.IsZero() && now.Sub(m.Missed) < HostPreProbeWindow
	if !silent && !missed || m.Addr == "" || m.Port == 0 {
		delete(h.hosts, m.Name)
		return nil
	}
	st := h.hosts[m.Name]
	if st == nil {
		st = &hostState{}
		h.hosts[m.Name] = st
	}
	if !st.inFlight && (st.started.IsZero() || now.Sub(st.started) >= HostReprobeInterval) {
		st.inFlight, st.started = true, now
		go h.probe(ctx, m.Name, net.JoinHostPort(m.Addr, strconv.Itoa(m.Port)), st)
	}
	if !silent || st.verdict == nil {
		return nil
	}
	v := *st.verdict
	return &v
}

// probe connects to addr once and records the verdict in st (if st is
// still the node's: the node may have come back meanwhile).
func (h *hostProber) probe(ctx context.Context, name, addr string, st *hostState) {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	start := time.Now()
	conn, err := h.dial(ctx, "tcp", addr)
	if conn != nil {
		_ = conn.Close()
	}
	v, ok := classifyDial(addr, err, time.Since(start), time.Now())
	h.mu.Lock()
	defer h.mu.Unlock()
	st.inFlight = false
	if !ok {
		h.log.Warn("host probe proves nothing", "node", name, "addr", addr, "err", err)
		return
	}
	if h.hosts[name] != st {
		return
	}
	changed := st.verdict == nil || st.verdict.Reachable != v.Reachable
	if !changed {
		v.At = st.verdict.At
	}
	st.verdict = &v
	if changed {
		h.log.Info("host probe", "node", name, "addr", addr, "reachable", v.Reachable, "detail", v.Detail)
		select {
		case h.wake <- struct{}{}:
		default:
		}
	}
}
