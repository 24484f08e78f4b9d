package forward

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// testUpstream is a DNS server on 127.0.0.1 (UDP and TCP on one port) that
// answers with handle and counts the questions it gets by transport.
type testUpstream struct {
	addr     string
	udp, tcp atomic.Int64
}

// startUpstream starts a testUpstream; handle gets tcp true for TCP
// questions and returns the reply, or nil to say nothing.
func startUpstream(t testing.TB, handle func(r *dns.Msg, tcp bool) *dns.Msg) *testUpstream {
	t.Helper()
	u := &testUpstream{}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		_, tcp := w.RemoteAddr().(*net.TCPAddr)
		if tcp {
			u.tcp.Add(1)
		} else {
			u.udp.Add(1)
		}
		if reply := handle(r, tcp); reply != nil {
			_ = w.WriteMsg(reply)
		}
	})
	u.addr = startDNS(t, h)
	return u
}

// startDNS serves h over UDP and TCP on one port of 127.0.0.1 until the
// test ends and returns the address.
func startDNS(t testing.TB, h dns.Handler) string {
	t.Helper()
	var pc net.PacketConn
	var ln net.Listener
	for range 20 {
		var err error
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("listen udp: %v", err)
		}
		ln, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		_ = pc.Close()
		pc = nil
	}
	if pc == nil {
		t.Fatal("no port free for both udp and tcp on 127.0.0.1")
	}
	for _, s := range []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: ln, Handler: h}} {
		started := make(chan struct{})
		s.NotifyStartedFunc = func() { close(started) }
		go func() { _ = s.ActivateAndServe() }()
		<-started
		t.Cleanup(func() { _ = s.Shutdown() })
	}
	return pc.LocalAddr().String()
}

// queries is how many questions u got over both transports.
func (u *testUpstream) queries() int64 { return u.udp.Load() + u.tcp.Load() }

// answerA replies to every question with one A record per ip, TTL ttl.
func answerA(ttl uint32, ips ...string) func(*dns.Msg, bool) *dns.Msg {
	return func(r *dns.Msg, _ bool) *dns.Msg {
		m := new(dns.Msg).SetReply(r)
		m.Compress = true
		for _, ip := range ips {
			m.Answer = append(m.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: ttl},
				A:   net.ParseIP(ip),
			})
		}
		return m
	}
}

// testLogger routes a component's logs to t.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// newForwarder makes a Forwarder over c or fails t.
func newForwarder(t testing.TB, c Config) *Forwarder {
	t.Helper()
	if c.Logger == nil {
		if _, ok := t.(*testing.T); ok {
			c.Logger = testLogger(t)
		}
	}
	f, err := New(c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return f
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// query asks f for name and type and fails t on an error.
func query(t testing.TB, f *Forwarder, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg).SetQuestion(name, qtype)
	r, err := f.Resolve(context.Background(), m)
	if err != nil {
		t.Fatalf("resolve %s: %v", name, err)
	}
	if r.Id != m.Id {
		t.Fatalf("reply ID %d, want %d", r.Id, m.Id)
	}
	return r
}
