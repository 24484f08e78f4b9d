package connlimit

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/pki"
)

// testTLS returns a server config with a node certificate and a client
// config that trusts it.
func testTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	ca, err := pki.NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, csrPEM, err := pki.NewKeyAndCSR("n1")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, err := ca.Sign(csrPEM, "n1", []net.IP{net.IPv4(127, 0, 0, 1)}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	n, err := pki.NewNodeTLS(ca, certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return n.ServerConfig(), n.ClientConfig()
}

// countingListener counts the TCP connections it has open, to check the
// cap from the inside.
type countingListener struct {
	net.Listener
	open, peak atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	n := l.open.Add(1)
	for {
		p := l.peak.Load()
		if n <= p || l.peak.CompareAndSwap(p, n) {
			break
		}
	}
	return &countedConn{Conn: c, l: l}, nil
}

type countedConn struct {
	net.Conn
	l    *countingListener
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.l.open.Add(-1) })
	return c.Conn.Close()
}

// serve starts a Listener on loopback whose server echoes one line per
// connection; it returns the listener and its counting inner listener.
func serve(t *testing.T, cfg Config) (*Listener, *countingListener) {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	inner := &countingListener{Listener: raw}
	l, err := New(inner, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = c.Close() }()
				buf := make([]byte, 5)
				if _, err := io.ReadFull(c, buf); err == nil {
					_, _ = c.Write(buf)
				}
			}()
		}
	}()
	return l, inner
}

// dialIdle opens n TCP connections that never send a byte.
func dialIdle(t *testing.T, addr string, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, 0, n)
	t.Cleanup(func() {
		for _, c := range conns {
			_ = c.Close()
		}
	})
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial idle connection %d: %v", len(conns), err)
		}
		conns = append(conns, c)
	}
	return conns
}

// echo makes one legitimate TLS exchange.
func echo(addr string, client *tls.Config, timeout time.Duration) error {
	return echoFrom("", addr, client, timeout)
}

// echoFrom is echo from source address src (the kernel's choice if "";
// any 127/8 address is local on Linux).
func echoFrom(src, addr string, client *tls.Config, timeout time.Duration) error {
	d := &net.Dialer{Timeout: timeout}
	if src != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
	}
	c, err := tls.DialWithDialer(d, "tcp", addr, client)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	if _, err := c.Write([]byte("hello")); err != nil {
		return err
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(c, buf); err != nil {
		return err
	}
	if string(buf) != "hello" {
		return errors.New("echo: got " + string(buf) + ", want hello")
	}
	return nil
}

// TestIdleFlood opens 2,000 connections that never send a byte: the
// listener never holds more than its cap, closes every one of them once
// its handshake deadline passes (those beyond the cap wait their turn),
// and a legitimate client opened during the flood is served.
func TestIdleFlood(t *testing.T) {
	server, client := testTLS(t)
	const flood, maxConns = 2000, 100
	l, inner := serve(t, Config{TLS: server, MaxConns: maxConns, HandshakeTimeout: 200 * time.Millisecond})
	addr := l.Addr().String()
	conns := dialIdle(t, addr, flood)

	// A legitimate client queues behind the flood and is served.
	if err := echo(addr, client, time.Minute); err != nil {
		t.Fatalf("legitimate client during the flood: %v", err)
	}

	// Every idle connection is closed by the server: reads end.
	var wg sync.WaitGroup
	var open, closed atomic.Int64
	for _, c := range conns {
		wg.Go(func() {
			// A hang guard, not a timing assertion.
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Minute))
			_, err := c.Read(make([]byte, 1))
			var ne net.Error
			switch {
			case errors.As(err, &ne) && ne.Timeout():
				open.Add(1)
			case errors.Is(err, io.EOF):
				closed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := open.Load(); n != 0 {
		t.Errorf("idle connections still open after the flood: got %d, want 0", n)
	}
	if got := inner.peak.Load(); got > maxConns {
		t.Errorf("peak open connections: got %d, want at most %d", got, maxConns)
	}
	// Each connection the listener closed (the client reads EOF) is
	// counted; the count may trail the EOF a moment, since an expired
	// handshake context closes the connection before the handshake
	// returns. A rare connection the kernel resets under load (not EOF) is
	// not the listener's.
	want := closed.Load()
	for deadline := time.Now().Add(10 * time.Second); l.Refused() < want && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if got := l.Refused(); got < want || want < flood*99/100 {
		t.Errorf("refused handshakes: got %d for %d connections closed by the listener (of %d), want at least as many, and nearly all closed by it", got, want, flood)
	}
	if err := echo(addr, client, time.Minute); err != nil {
		t.Errorf("legitimate client after the flood: %v", err)
	}
}

// TestBeyondCapWaits fills the cap with idle connections whose deadline
// is far away: a legitimate client waits, unaccepted, until a slot frees.
func TestBeyondCapWaits(t *testing.T) {
	server, client := testTLS(t)
	l, inner := serve(t, Config{TLS: server, MaxConns: 2, HandshakeTimeout: time.Hour})
	addr := l.Addr().String()
	idle := dialIdle(t, addr, 2)
	testWaitFor(t, func() bool { return inner.open.Load() == 2 })

	// While the cap is full the client's handshake gets no answer.
	if err := echo(addr, client, 300*time.Millisecond); err == nil {
		t.Fatal("client beyond the cap was served: want it to wait")
	}
	if got := inner.open.Load(); got != 2 {
		t.Fatalf("open connections with the cap full: got %d, want 2", got)
	}
	// One idle client leaves: the next legitimate client gets its slot.
	_ = idle[0].Close()
	if err := echo(addr, client, time.Minute); err != nil {
		t.Fatalf("client after a slot freed: %v", err)
	}
}

// TestBadHandshake: garbage instead of a ClientHello is closed at once
// and never reaches Accept.
func TestBadHandshake(t *testing.T) {
	server, client := testTLS(t)
	l, _ := serve(t, Config{TLS: server, MaxConns: 4, HandshakeTimeout: time.Hour})
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(time.Minute))
	if _, err := io.ReadAll(c); err != nil {
		t.Fatalf("read until the server closes: %v", err)
	}
	testWaitFor(t, func() bool { return l.Refused() == 1 })
	if err := echo(l.Addr().String(), client, time.Minute); err != nil {
		t.Fatalf("legitimate client: %v", err)
	}
}

func TestClose(t *testing.T) {
	server, _ := testTLS(t)
	l, err := Listen("127.0.0.1:0", Config{TLS: server, MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = l.Close() }()
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("accept after close: got %v, want net.ErrClosed", err)
	}
}

func TestConfigErrors(t *testing.T) {
	server, _ := testTLS(t)
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = raw.Close() }()
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no TLS", Config{MaxConns: 1}},
		{"zero cap", Config{TLS: server}},
		{"negative timeout", Config{TLS: server, MaxConns: 1, HandshakeTimeout: -time.Second}},
		{"negative per-source cap", Config{TLS: server, MaxConns: 1, MaxConnsPerSource: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(raw, tc.cfg); err == nil {
				t.Errorf("New(%+v): got nil error, want one", tc.cfg)
			}
		})
	}
}

func testWaitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 6000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not met within a minute")
}
