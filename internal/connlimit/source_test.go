package connlimit

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// dialFrom opens n idle TCP connections to addr from source address src
// (any 127/8 address is local on Linux).
func dialFrom(t *testing.T, src, addr string, n int) []net.Conn {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	conns := make([]net.Conn, 0, n)
	t.Cleanup(func() {
		for _, c := range conns {
			if c != nil {
				_ = c.Close()
			}
		}
	})
	for range n {
		c, err := d.Dial("tcp", addr)
		if errors.Is(err, syscall.ECONNRESET) {
			// Accepted and refused before Dial returned: still one
			// connection of the flood.
			conns = append(conns, nil)
			continue
		}
		if err != nil {
			t.Fatalf("dial %s from %s, connection %d: %v", addr, src, len(conns), err)
		}
		conns = append(conns, c)
	}
	return conns
}

// TestPerSourceFlood: one source opens 500 connections that never send a
// byte, against a cap of 10 per source and 100 in all, with handshake
// deadlines an hour away. The listener holds 10 of them and closes the
// other 490 as soon as it accepts them; a client from another source is
// served during the flood (without the per-source cap it would wait for
// the deadline), a client from the flooding source is refused, and once
// the flood ends that source gets in again.
func TestPerSourceFlood(t *testing.T) {
	server, client := testTLS(t)
	const flood, perSource = 500, 10
	var refusedBySource atomic.Int64
	l, inner := serve(t, Config{
		TLS: server, MaxConns: 100, MaxConnsPerSource: perSource, HandshakeTimeout: time.Hour,
		OnRefuse: func(r Reason) {
			if r == RefusedSource {
				refusedBySource.Add(1)
			}
		},
	})
	addr := l.Addr().String()
	conns := dialFrom(t, "127.0.0.2", addr, flood)
	testWaitFor(t, func() bool { return l.RefusedBySource() == flood-perSource })

	if got := inner.open.Load(); got != perSource {
		t.Errorf("connections held from the flooding source: got %d, want %d", got, perSource)
	}
	if got := refusedBySource.Load(); got != flood-perSource {
		t.Errorf("OnRefuse(RefusedSource) calls: got %d, want %d", got, flood-perSource)
	}
	// The refused ones were closed by the listener (reset before it
	// counted them), the held ones are still open: reads tell them apart.
	var closed atomic.Int64
	var wg sync.WaitGroup
	for _, c := range conns {
		if c == nil {
			closed.Add(1)
			continue
		}
		wg.Go(func() {
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
				closed.Add(1)
			}
		})
	}
	wg.Wait()
	if got := closed.Load(); got != flood-perSource {
		t.Errorf("flood connections the listener closed: got %d, want %d", got, flood-perSource)
	}

	if err := echoFrom("127.0.0.3", addr, client, time.Minute); err != nil {
		t.Fatalf("client from another source during the flood: %v", err)
	}
	if err := echoFrom("127.0.0.2", addr, client, time.Minute); err == nil {
		t.Fatal("client from the flooding source during the flood was served: want it refused")
	}
	if got := l.Refused(); got != 0 {
		t.Errorf("handshake refusals: got %d, want 0 (the held connections are still within their deadline)", got)
	}

	for _, c := range conns {
		if c != nil {
			_ = c.Close()
		}
	}
	testWaitFor(t, func() bool { return inner.open.Load() == 0 })
	if err := echoFrom("127.0.0.2", addr, client, time.Minute); err != nil {
		t.Fatalf("client from the flooding source after the flood: %v", err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestSourceOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		addr net.Addr
		want string
	}{
		{"IPv4", &net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 5000}, "192.0.2.7"},
		{"IPv4 in IPv6", &net.TCPAddr{IP: net.ParseIP("::ffff:192.0.2.7"), Port: 5000}, "192.0.2.7"},
		{"IPv6 counts by /64", &net.TCPAddr{IP: net.ParseIP("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), Port: 5000}, "2001:db8:1:2::"},
		{"IPv6 zone dropped", &net.TCPAddr{IP: net.ParseIP("fe80::1"), Zone: "eth0"}, "fe80::"},
		{"not TCP", &net.UnixAddr{Name: "/run/x.sock", Net: "unix"}, "invalid IP"},
		{"none", nil, "invalid IP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sourceOf(tc.addr).String(); got != tc.want {
				t.Errorf("sourceOf(%v): got %s, want %s", tc.addr, got, tc.want)
			}
		})
	}
	a := sourceOf(&net.TCPAddr{IP: net.ParseIP("2001:db8:1:2::1")})
	b := sourceOf(&net.TCPAddr{IP: net.ParseIP("2001:db8:1:3::1")})
	if a == b {
		t.Errorf("two /64s share a source: got %s for both, want different", a)
	}
}

func TestSourceCountsRelease(t *testing.T) {
	s := sourceCounts{max: 2, n: map[netip.Addr]int{}}
	src := netip.MustParseAddr("192.0.2.1")
	for i, want := range []bool{true, true, false} {
		if got := s.take(src); got != want {
			t.Fatalf("take %d: got %v, want %v", i+1, got, want)
		}
	}
	s.release(src)
	s.release(src)
	if got := len(s.n); got != 0 {
		t.Errorf("sources tracked with nothing open: got %d, want 0", got)
	}
	if !s.take(src) {
		t.Error("take after release: got false, want true")
	}
}
