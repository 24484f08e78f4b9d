package forward

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestAnswerAndCache(t *testing.T) {
	up := startUpstream(t, answerA(300, "192.0.2.1"))
	clock := &fakeClock{now: time.Unix(1000, 0)}
	f := newForwarder(t, Config{Upstreams: []string{up.addr}})
	f.now = clock.Now

	r := query(t, f, "WwW.Example.COM.", dns.TypeA)
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Fatalf("got rcode %s with %d answers, want NOERROR with 1", dns.RcodeToString[r.Rcode], len(r.Answer))
	}
	if got := r.Question[0].Name; got != "WwW.Example.COM." {
		t.Errorf("question name %q, want the case asked %q", got, "WwW.Example.COM.")
	}
	if got := r.Answer[0].(*dns.A).A.String(); got != "192.0.2.1" {
		t.Errorf("answer %s, want 192.0.2.1", got)
	}

	t.Run("cache hit in any case", func(t *testing.T) {
		clock.Add(100 * time.Second)
		r := query(t, f, "www.example.com.", dns.TypeA)
		if got := up.queries(); got != 1 {
			t.Errorf("upstream got %d queries, want 1", got)
		}
		if got := r.Answer[0].Header().Ttl; got != 200 {
			t.Errorf("TTL after 100 s in the cache %d, want 200", got)
		}
		if s := f.Stats(); s.CacheHits != 1 || s.CacheMisses != 1 {
			t.Errorf("stats hits %d misses %d, want 1 and 1", s.CacheHits, s.CacheMisses)
		}
	})
	t.Run("other type is another entry", func(t *testing.T) {
		query(t, f, "www.example.com.", dns.TypeAAAA)
		if got := up.queries(); got != 2 {
			t.Errorf("upstream got %d queries, want 2", got)
		}
	})
	t.Run("expired entry goes upstream again", func(t *testing.T) {
		clock.Add(200 * time.Second)
		r := query(t, f, "www.example.com.", dns.TypeA)
		if got := up.queries(); got != 3 {
			t.Errorf("upstream got %d queries, want 3", got)
		}
		if got := r.Answer[0].Header().Ttl; got != 300 {
			t.Errorf("TTL of a fresh answer %d, want 300", got)
		}
	})
}

func TestTTLClamp(t *testing.T) {
	up := startUpstream(t, answerA(86400, "192.0.2.1"))
	clock := &fakeClock{now: time.Unix(1000, 0)}
	f := newForwarder(t, Config{Upstreams: []string{up.addr}, MaxTTL: time.Minute})
	f.now = clock.Now
	query(t, f, "a.example.", dns.TypeA)
	clock.Add(59 * time.Second)
	query(t, f, "a.example.", dns.TypeA)
	if got := up.queries(); got != 1 {
		t.Fatalf("upstream got %d queries within MaxTTL, want 1", got)
	}
	clock.Add(time.Second)
	query(t, f, "a.example.", dns.TypeA)
	if got := up.queries(); got != 2 {
		t.Errorf("upstream got %d queries after MaxTTL, want 2", got)
	}
}

func TestNegativeCache(t *testing.T) {
	soa := func(name string) dns.RR {
		return &dns.SOA{
			Hdr: dns.RR_Header{Name: "example.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 3600},
			Ns:  "ns.example.", Mbox: "hostmaster.example.", Serial: 1, Refresh: 1, Retry: 1, Expire: 1, Minttl: 60,
		}
	}
	for _, tc := range []struct {
		name   string
		rcode  int
		noSOA  bool
		cached bool
	}{
		{name: "NXDOMAIN", rcode: dns.RcodeNameError, cached: true},
		{name: "NODATA", rcode: dns.RcodeSuccess, cached: true},
		{name: "NXDOMAIN without SOA", rcode: dns.RcodeNameError, noSOA: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up := startUpstream(t, func(r *dns.Msg, _ bool) *dns.Msg {
				m := new(dns.Msg).SetRcode(r, tc.rcode)
				if !tc.noSOA {
					m.Ns = []dns.RR{soa(r.Question[0].Name)}
				}
				return m
			})
			clock := &fakeClock{now: time.Unix(1000, 0)}
			f := newForwarder(t, Config{Upstreams: []string{up.addr}})
			f.now = clock.Now
			query(t, f, "nope.example.", dns.TypeA)
			clock.Add(10 * time.Second)
			r := query(t, f, "nope.example.", dns.TypeA)
			if r.Rcode != tc.rcode {
				t.Errorf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tc.rcode])
			}
			want := int64(1)
			if !tc.cached {
				want = 2
			}
			if got := up.queries(); got != want {
				t.Fatalf("upstream got %d queries, want %d", got, want)
			}
			if !tc.cached {
				return
			}
			if got := r.Ns[0].Header().Ttl; got != 50 {
				t.Errorf("SOA TTL after 10 s %d, want 50 (the SOA minimum 60 less 10)", got)
			}
			clock.Add(50 * time.Second)
			query(t, f, "nope.example.", dns.TypeA)
			if got := up.queries(); got != 2 {
				t.Errorf("upstream got %d queries after the SOA minimum, want 2", got)
			}
		})
	}
}

func TestSingleflight(t *testing.T) {
	release := make(chan struct{})
	up := startUpstream(t, func(r *dns.Msg, tcp bool) *dns.Msg {
		<-release
		return answerA(30, "192.0.2.7")(r, tcp)
	})
	f := newForwarder(t, Config{Upstreams: []string{up.addr}, Timeout: time.Minute})
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			r, err := f.Resolve(context.Background(), new(dns.Msg).SetQuestion("same.example.", dns.TypeA))
			if err == nil && len(r.Answer) != 1 {
				err = errString("no answer")
			}
			errs <- err
		})
	}
	for f.joined.Load() < n {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("resolve: %v", err)
		}
	}
	if got := up.queries(); got != 1 {
		t.Errorf("upstream got %d queries for %d identical concurrent questions, want 1", got, n)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestTruncatedUpstreamRetriesTCP(t *testing.T) {
	up := startUpstream(t, func(r *dns.Msg, tcp bool) *dns.Msg {
		if !tcp {
			m := new(dns.Msg).SetReply(r)
			m.Truncated = true
			return m
		}
		return answerA(30, "192.0.2.1", "192.0.2.2")(r, tcp)
	})
	f := newForwarder(t, Config{Upstreams: []string{up.addr}})
	r := query(t, f, "big.example.", dns.TypeA)
	if len(r.Answer) != 2 || r.Truncated {
		t.Errorf("got %d answers, truncated %v; want 2, not truncated", len(r.Answer), r.Truncated)
	}
	if u, tc := up.udp.Load(), up.tcp.Load(); u != 1 || tc != 1 {
		t.Errorf("upstream got %d udp and %d tcp queries, want 1 and 1", u, tc)
	}
}

func TestFailover(t *testing.T) {
	silent := startUpstream(t, func(*dns.Msg, bool) *dns.Msg { return nil })
	good := startUpstream(t, answerA(30, "192.0.2.9"))
	f := newForwarder(t, Config{Upstreams: []string{silent.addr, good.addr}, Timeout: 200 * time.Millisecond})

	r := query(t, f, "a.example.", dns.TypeA)
	if len(r.Answer) != 1 {
		t.Fatalf("got rcode %s with %d answers, want the second upstream's answer", dns.RcodeToString[r.Rcode], len(r.Answer))
	}
	query(t, f, "b.example.", dns.TypeA)
	if got := silent.queries(); got != 1 {
		t.Errorf("the timed-out upstream got %d queries, want 1 (then skipped while down)", got)
	}
	if got := good.queries(); got != 2 {
		t.Errorf("the second upstream got %d queries, want 2", got)
	}
}

func TestAllUpstreamsFail(t *testing.T) {
	silent := startUpstream(t, func(*dns.Msg, bool) *dns.Msg { return nil })
	failing := startUpstream(t, func(r *dns.Msg, _ bool) *dns.Msg { return new(dns.Msg).SetRcode(r, dns.RcodeServerFailure) })
	f := newForwarder(t, Config{Upstreams: []string{silent.addr, failing.addr}, Timeout: 100 * time.Millisecond})
	for i := range 2 {
		r := query(t, f, "a.example.", dns.TypeA)
		if r.Rcode != dns.RcodeServerFailure {
			t.Errorf("query %d: rcode %s, want SERVFAIL", i, dns.RcodeToString[r.Rcode])
		}
	}
	if got := failing.queries(); got != 2 {
		t.Errorf("upstream got %d queries, want 2 (SERVFAIL is not cached)", got)
	}
}

func TestStubDomains(t *testing.T) {
	def := startUpstream(t, answerA(30, "192.0.2.1"))
	internal := startUpstream(t, answerA(30, "10.0.0.1"))
	corp := startUpstream(t, answerA(30, "10.0.0.2"))
	f := newForwarder(t, Config{
		Upstreams: []string{def.addr},
		Domains: map[string][]string{
			"internal":               {internal.addr},
			"Corp.Example.Internal.": {corp.addr},
		},
	})
	for _, tc := range []struct{ name, want string }{
		{"www.example.com.", "192.0.2.1"},
		{"internal.", "10.0.0.1"},
		{"a.internal.", "10.0.0.1"},
		{"a.example.internal.", "10.0.0.1"},
		{"corp.example.internal.", "10.0.0.2"},
		{"X.CORP.example.internal.", "10.0.0.2"},
		{"notinternal.", "192.0.2.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := query(t, f, tc.name, dns.TypeA)
			if len(r.Answer) != 1 {
				t.Fatalf("got %d answers, want 1", len(r.Answer))
			}
			if got := r.Answer[0].(*dns.A).A.String(); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestClientTruncation serves the Forwarder on 127.0.0.1 and asks it over
// UDP with and without an EDNS0 buffer large enough for the answer.
func TestClientTruncation(t *testing.T) {
	ips := make([]string, 60) // 60 A records: about 1 KB, over 512 bytes
	for i := range ips {
		ips[i] = net.IPv4(192, 0, 2, byte(i+1)).String()
	}
	up := startUpstream(t, answerA(30, ips...))
	f := newForwarder(t, Config{Upstreams: []string{up.addr}})
	srv := startDNS(t, f)

	for _, tc := range []struct {
		name      string
		net       string
		edns      uint16
		truncated bool
	}{
		{name: "udp without EDNS0", net: "udp", truncated: true},
		{name: "udp with a 4096 byte buffer", net: "udp", edns: 4096},
		{name: "udp with a 600 byte buffer", net: "udp", edns: 600, truncated: true},
		{name: "tcp", net: "tcp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := new(dns.Msg).SetQuestion("many.example.", dns.TypeA)
			if tc.edns > 0 {
				m.SetEdns0(tc.edns, false)
			}
			c := &dns.Client{Net: tc.net, UDPSize: 65535}
			r, _, err := c.Exchange(m, srv)
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			if r.Truncated != tc.truncated {
				t.Errorf("truncated %v, want %v", r.Truncated, tc.truncated)
			}
			if !tc.truncated && len(r.Answer) != len(ips) {
				t.Errorf("got %d answers, want %d", len(r.Answer), len(ips))
			}
			limit := dns.MinMsgSize
			if tc.edns > 0 {
				limit = int(tc.edns)
			}
			r.Compress = true // as sent: Truncate compresses
			if tc.net == "udp" && r.Len() > limit {
				t.Errorf("reply is %d bytes, want at most %d", r.Len(), limit)
			}
			if (r.IsEdns0() != nil) != (tc.edns > 0) {
				t.Errorf("reply has EDNS0 %v, want %v (as asked)", r.IsEdns0() != nil, tc.edns > 0)
			}
		})
	}
}

func TestBadQuestions(t *testing.T) {
	f := newForwarder(t, Config{Upstreams: []string{"127.0.0.1:1"}})
	for _, tc := range []struct {
		name  string
		msg   *dns.Msg
		rcode int
	}{
		{name: "no question", msg: &dns.Msg{}, rcode: dns.RcodeFormatError},
		{name: "two questions", msg: &dns.Msg{Question: []dns.Question{{Name: "a.", Qtype: dns.TypeA, Qclass: dns.ClassINET}, {Name: "b.", Qtype: dns.TypeA, Qclass: dns.ClassINET}}}, rcode: dns.RcodeFormatError},
		{name: "notify", msg: func() *dns.Msg { m := new(dns.Msg).SetNotify("a."); return m }(), rcode: dns.RcodeNotImplemented},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := f.Resolve(context.Background(), tc.msg)
			if err != nil {
				t.Fatalf("resolve: %v", err)
			}
			if r.Rcode != tc.rcode {
				t.Errorf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tc.rcode])
			}
		})
	}
}

// TestSlowUpstreamDoesNotBlock fills the one slot of a slow upstream; the
// next question goes to the second upstream at once.
func TestSlowUpstreamDoesNotBlock(t *testing.T) {
	release := make(chan struct{})
	slow := startUpstream(t, func(r *dns.Msg, tcp bool) *dns.Msg {
		<-release
		return answerA(30, "192.0.2.1")(r, tcp)
	})
	t.Cleanup(func() { close(release) }) // before the server shuts down: cleanups run last first
	fast := startUpstream(t, answerA(30, "192.0.2.2"))
	f := newForwarder(t, Config{Upstreams: []string{slow.addr, fast.addr}, MaxInflight: 1, Timeout: 5 * time.Second})

	ctx, cancel := context.WithCancel(context.Background())
	go func() { _, _ = f.Resolve(ctx, new(dns.Msg).SetQuestion("held.example.", dns.TypeA)) }()
	t.Cleanup(cancel)
	for slow.queries() < 1 {
		time.Sleep(time.Millisecond)
	}
	r := query(t, f, "other.example.", dns.TypeA)
	if len(r.Answer) != 1 {
		t.Fatalf("got rcode %s with %d answers, want the second upstream's answer", dns.RcodeToString[r.Rcode], len(r.Answer))
	}
	if got := r.Answer[0].(*dns.A).A.String(); got != "192.0.2.2" {
		t.Errorf("answer %s, want 192.0.2.2 from the second upstream", got)
	}
	if got := slow.queries(); got != 1 {
		t.Errorf("the slow upstream got %d queries, want 1 (its one slot was taken)", got)
	}
}

func TestWrongQuestionNotCached(t *testing.T) {
	up := startUpstream(t, func(r *dns.Msg, tcp bool) *dns.Msg {
		m := answerA(30, "192.0.2.66")(r, tcp)
		m.Question[0].Name = "evil.example."
		return m
	})
	f := newForwarder(t, Config{Upstreams: []string{up.addr}, Timeout: time.Second})
	r := query(t, f, "bank.example.", dns.TypeA)
	if r.Rcode != dns.RcodeServerFailure {
		t.Errorf("rcode %s, want SERVFAIL for an answer to another question", dns.RcodeToString[r.Rcode])
	}
	if got := f.Stats().CacheEntries; got != 0 {
		t.Errorf("cache holds %d entries, want 0", got)
	}
}

func TestCacheKeyAndBound(t *testing.T) {
	up := startUpstream(t, answerA(300, "192.0.2.1"))
	f := newForwarder(t, Config{Upstreams: []string{up.addr}, CacheSize: 2})
	ask := func(name string, do bool) {
		t.Helper()
		m := new(dns.Msg).SetQuestion(name, dns.TypeA)
		if do {
			m.SetEdns0(1232, true)
		}
		if _, err := f.Resolve(context.Background(), m); err != nil {
			t.Fatalf("resolve %s: %v", name, err)
		}
	}
	for _, step := range []struct {
		name string
		do   bool
		want int64 // upstream queries so far
	}{
		{"a.example.", false, 1},
		{"a.example.", true, 2}, // the DO bit is part of the key
		{"A.EXAMPLE.", false, 2},
		{"b.example.", false, 3}, // evicts a/DO, the least recently used
		{"a.example.", false, 3},
		{"a.example.", true, 4},
	} {
		ask(step.name, step.do)
		if got := up.queries(); got != step.want {
			t.Fatalf("after %s DO=%v: upstream got %d queries, want %d", step.name, step.do, got, step.want)
		}
	}
	if got := f.Stats().CacheEntries; got != 2 {
		t.Errorf("cache holds %d entries, want 2 (its size)", got)
	}
}
