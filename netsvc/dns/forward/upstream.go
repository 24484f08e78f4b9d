package forward

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// errBusy says an upstream already has MaxInflight questions outstanding.
var errBusy = errors.New("too many questions outstanding")

// upstream is one resolver with its own bound on outstanding questions and a
// memory of its last failure.
type upstream struct {
	addr      string
	udp, tcp  *dns.Client
	slots     chan struct{}
	downUntil atomic.Int64 // unix nanoseconds
}

func newUpstream(ap netip.AddrPort, c Config) *upstream {
	return &upstream{
		addr:  ap.String(),
		udp:   &dns.Client{Net: "udp", Timeout: c.Timeout, UDPSize: upstreamUDPSize},
		tcp:   &dns.Client{Net: "tcp", Timeout: c.Timeout},
		slots: make(chan struct{}, c.MaxInflight),
	}
}

// upstreamUDPSize is the EDNS0 buffer size we offer upstreams, the DNS flag
// day 2020 value that avoids IP fragmentation.
const upstreamUDPSize = 1232

// exchange asks u over UDP, then over TCP when the answer is truncated, all
// within timeout. It does not wait for a slot: a busy upstream is skipped.
func (u *upstream) exchange(ctx context.Context, m *dns.Msg, timeout time.Duration) (*dns.Msg, error) {
	select {
	case u.slots <- struct{}{}:
	default:
		return nil, errBusy
	}
	defer func() { <-u.slots }()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r, _, err := u.udp.ExchangeContext(ctx, m, u.addr)
	if err != nil {
		return nil, fmt.Errorf("udp: %w", err)
	}
	if !r.Truncated {
		return r, sameQuestion(m, r)
	}
	r, _, err = u.tcp.ExchangeContext(ctx, m, u.addr)
	if err != nil {
		return nil, fmt.Errorf("tcp after truncated udp answer: %w", err)
	}
	return r, sameQuestion(m, r)
}

// sameQuestion checks that an answer is to the question asked (the client
// already checked the ID), so a spoofed or confused answer is not cached.
func sameQuestion(m, r *dns.Msg) error {
	if len(r.Question) != 1 {
		return fmt.Errorf("answer has %d questions, want 1", len(r.Question))
	}
	q, a := m.Question[0], r.Question[0]
	if !strings.EqualFold(q.Name, a.Name) || q.Qtype != a.Qtype || q.Qclass != a.Qclass {
		return fmt.Errorf("answer is for %s, asked %s", a.String(), q.String())
	}
	return nil
}

// down reports whether u failed less than DownFor ago.
func (u *upstream) down(now time.Time) bool {
	return now.UnixNano() < u.downUntil.Load()
}

// fail remembers that u failed at now.
func (u *upstream) fail(now time.Time, downFor time.Duration) {
	u.downUntil.Store(now.Add(downFor).UnixNano())
}
