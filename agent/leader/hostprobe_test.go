package leader

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/gossip"
	"github.com/shoal-dev/shoal/placement/controller"
)

// silentDial waits for its deadline, as a connect to a machine that is
// gone does, counting the dials in flight in inFlight and the most seen
// at once in peak.
func silentDial(inFlight, peak *atomic.Int32) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-ctx.Done()
		return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
	}
}

// waitVerdict observes m until the prober has a verdict.
func waitVerdict(t *testing.T, h *hostProber, m gossip.Member) *hostVerdict {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if v := h.observe(context.Background(), m, time.Now()); v != nil {
			return v
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no verdict within 5 s")
	return nil
}

// TestHostProbeVerdicts probes real loopback addresses: a listening port
// (accepted) and a closed one (refused) both mean the machine runs; a
// connect that gets no answer before the deadline means it is gone.
func TestHostProbeVerdicts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := closed.Addr().(*net.TCPAddr).Port
	_ = closed.Close()
	var inFlight, peak atomic.Int32
	tests := []struct {
		name      string
		port      int
		silent    bool
		reachable bool
	}{
		{"agent port accepts", ln.Addr().(*net.TCPAddr).Port, false, true},
		{"agent port refuses: kernel alive", closedPort, false, true},
		{"no answer: machine gone", 7946, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHostProber(slog.New(slog.NewTextHandler(io.Discard, nil)))
			h.timeout = 100 * time.Millisecond
			if tt.silent {
				h.dial = silentDial(&inFlight, &peak)
			}
			m := gossip.Member{Name: "n2", Addr: "127.0.0.1", Port: tt.port, Status: gossip.StatusSuspect}
			v := waitVerdict(t, h, m)
			if v.Reachable != tt.reachable {
				t.Errorf("got reachable %v (%s), want %v", v.Reachable, v.Detail, tt.reachable)
			}
			select {
			case <-h.wake:
			default:
				t.Error("a new verdict did not wake the leader")
			}
			if h.observe(context.Background(), gossip.Member{Name: "n2", Addr: "127.0.0.1", Port: tt.port, Status: gossip.StatusAlive}, time.Now()) != nil {
				t.Error("an alive member still has a verdict")
			}
		})
	}
}

// TestHostProbeOneInFlight checks that observing a silent member often
// starts one probe at a time, and a new one only after
// HostReprobeInterval.
func TestHostProbeOneInFlight(t *testing.T) {
	var inFlight, peak, dials atomic.Int32
	h := newHostProber(slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.timeout = 200 * time.Millisecond
	silent := silentDial(&inFlight, &peak)
	h.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return silent(ctx, network, addr)
	}
	m := gossip.Member{Name: "n2", Addr: "127.0.0.1", Port: 7946, Status: gossip.StatusDead}
	start := time.Now()
	for i := 0; i < 50; i++ {
		h.observe(context.Background(), m, start.Add(time.Duration(i)*10*time.Millisecond))
		time.Sleep(2 * time.Millisecond)
	}
	waitVerdict(t, h, m)
	if p := peak.Load(); p != 1 {
		t.Errorf("got %d probes in flight at once, want 1", p)
	}
	if d := dials.Load(); d != 1 {
		t.Errorf("got %d dials within one reprobe interval, want 1", d)
	}
	h.observe(context.Background(), m, start.Add(HostReprobeInterval+time.Second))
	deadline := time.Now().Add(5 * time.Second)
	for dials.Load() != 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if d := dials.Load(); d != 2 {
		t.Errorf("got %d dials after the reprobe interval, want 2", d)
	}
}

// TestHostReachableCondition checks the Node condition the leader writes
// from the verdicts.
func TestHostReachableCondition(t *testing.T) {
	t0 := time.Unix(1000, 0).UTC()
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	cond := func(st api.ConditionStatus, d time.Duration) *api.NodeCondition {
		ts := at(d)
		return &api.NodeCondition{Type: controller.NodeHostReachable, Status: st, LastTransitionTime: &ts}
	}
	suspect := gossip.Member{Name: "n2", Status: gossip.StatusSuspect}
	tests := []struct {
		name       string
		prev       *api.NodeCondition
		m          gossip.Member
		host       *hostVerdict
		wantStatus api.ConditionStatus // "" for no condition
		wantAt     time.Duration
	}{
		{"alive: none", cond(api.ConditionFalse, time.Second), gossip.Member{Name: "n2", Status: gossip.StatusAlive}, &hostVerdict{At: at(time.Second)}, "", 0},
		{"silent machine", nil, suspect, &hostVerdict{At: at(time.Second)}, api.ConditionFalse, time.Second},
		{"answering machine", nil, suspect, &hostVerdict{Reachable: true, At: at(time.Second)}, api.ConditionTrue, time.Second},
		{"same verdict keeps its time", cond(api.ConditionFalse, time.Second), suspect, &hostVerdict{At: at(3 * time.Second)}, api.ConditionFalse, time.Second},
		{"changed verdict gets the new time", cond(api.ConditionFalse, time.Second), suspect, &hostVerdict{Reachable: true, At: at(3 * time.Second)}, api.ConditionTrue, 3 * time.Second},
		{"no verdict yet keeps the previous one", cond(api.ConditionFalse, time.Second), suspect, nil, api.ConditionFalse, time.Second},
		{"evidence of an earlier outage is dropped", cond(api.ConditionFalse, -time.Minute), suspect, nil, "", 0},
		{"an earlier outage's time is not kept", cond(api.ConditionFalse, -time.Minute), suspect, &hostVerdict{At: at(time.Second)}, api.ConditionFalse, time.Second},
		{"a probe begun on a missed ping counts from the suspicion", nil, suspect, &hostVerdict{At: at(-200 * time.Millisecond)}, api.ConditionFalse, 0},
		{"a verdict from long before the suspicion is dropped", nil, suspect, &hostVerdict{At: at(-HostPreProbeWindow - time.Millisecond)}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hostReachable(tt.prev, t0, tt.m, tt.host)
			if tt.wantStatus == "" {
				if got != nil {
					t.Fatalf("got %+v, want no condition", got)
				}
				return
			}
			if got == nil || got.Status != tt.wantStatus || !got.LastTransitionTime.Equal(at(tt.wantAt)) {
				t.Fatalf("got %+v, want %s since %s", got, tt.wantStatus, tt.wantAt)
			}
		})
	}
}

// TestClassifyDial checks errors that prove nothing about the far
// machine (no route on this side) give no verdict.
func TestClassifyDial(t *testing.T) {
	err := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ENETUNREACH)}
	if v, ok := classifyDial("10.0.0.2:7946", err, 0, time.Now()); ok {
		t.Errorf("dial error %v gave verdict %+v, want none", err, v)
	}
	err = &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.EHOSTUNREACH)}
	if v, ok := classifyDial("10.0.0.2:7946", err, 0, time.Now()); !ok || v.Reachable {
		t.Errorf("dial error %v gave verdict %+v, %v, want unreachable", err, v, ok)
	}
}

// TestHostPreProbe checks that a member whose direct ping just went
// unanswered is probed while still alive, the verdict is held back until
// gossip makes it suspect and then served without a second dial, and an
// old miss starts nothing.
func TestHostPreProbe(t *testing.T) {
	var inFlight, peak, dials atomic.Int32
	h := newHostProber(slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.timeout = 50 * time.Millisecond
	silent := silentDial(&inFlight, &peak)
	h.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return silent(ctx, network, addr)
	}
	now := time.Now()
	old := gossip.Member{Name: "n3", Addr: "127.0.0.1", Port: 7946, Status: gossip.StatusAlive, Missed: now.Add(-2 * HostPreProbeWindow)}
	if v := h.observe(context.Background(), old, now); v != nil || dials.Load() != 0 {
		t.Fatalf("old miss: got verdict %+v and %d dials, want none", v, dials.Load())
	}
	m := gossip.Member{Name: "n2", Addr: "127.0.0.1", Port: 7946, Status: gossip.StatusAlive, Missed: now}
	if v := h.observe(context.Background(), m, now); v != nil {
		t.Fatalf("alive member: got verdict %+v, want none", v)
	}
	select {
	case <-h.wake:
	case <-time.After(5 * time.Second):
		t.Fatal("no verdict within 5 s")
	}
	if v := h.observe(context.Background(), m, now.Add(100*time.Millisecond)); v != nil {
		t.Fatalf("alive member after the probe: got verdict %+v, want none", v)
	}
	m.Status = gossip.StatusSuspect
	v := h.observe(context.Background(), m, now.Add(300*time.Millisecond))
	if v == nil || v.Reachable {
		t.Fatalf("suspect member: got verdict %+v, want the pre-probe's (silent)", v)
	}
	if d := dials.Load(); d != 1 {
		t.Errorf("got %d dials, want 1 (the pre-probe)", d)
	}
}
