package dnssvc

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/shoal-dev/shoal/netsvc/dns/forward"
)

// upstream is a small resolver the tests start on 127.0.0.1: ext.example
// has one A record, big.example 60 (truncated over UDP), slow.example
// never answers, and every other name is NXDOMAIN. It returns the address
// and a channel that gets each name asked.
func upstream(t *testing.T) (string, chan string) {
	t.Helper()
	asked := make(chan string, 100)
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		name := strings.ToLower(r.Question[0].Name)
		select {
		case asked <- name:
		default:
		}
		m := new(dns.Msg).SetReply(r)
		a := func(ip string) dns.RR {
			return &dns.A{Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.ParseIP(ip)}
		}
		switch name {
		case "slow.example.":
			return // the client times out
		case "ext.example.":
			m.Answer = append(m.Answer, a("192.0.2.1"))
		case "big.example.":
			for i := range 60 {
				m.Answer = append(m.Answer, a(fmt.Sprintf("192.0.2.%d", i+1)))
			}
			if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
				m.Answer, m.Truncated = m.Answer[:1], true
			}
		default:
			m.Rcode = dns.RcodeNameError
		}
		_ = w.WriteMsg(m)
	})
	return startServer(t, h), asked
}

// chainHandler is the agent's handler over the fixture: forwarding to up,
// recursion for allowed only, search paths from the zone.
func chainHandler(t *testing.T, up string, allowed netip.Prefix) (*Handler, *Metrics) {
	t.Helper()
	f, err := forward.New(forward.Config{Upstreams: []string{up}, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	svcs, pods := fixture()
	z := Build(testCfg, 1, svcs, pods)
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	return NewHandler(z, Options{Forward: f, Recursion: allowed.Contains, SearchPath: z.SearchPath, Metrics: m}), m
}

// TestForwarding asks a real server (UDP and TCP on loopback) that
// forwards to an upstream the test runs.
func TestForwarding(t *testing.T) {
	up, _ := upstream(t)
	h, metrics := chainHandler(t, up, netip.MustParsePrefix("127.0.0.0/8"))
	addr := startServer(t, h)
	cases := []struct {
		name    string
		net     string
		qname   string
		edns    uint16
		rcode   int
		answers int
		tc      bool
	}{
		{"cluster name", "udp", "web.default.svc.cluster.local.", 0, dns.RcodeSuccess, 1, false},
		{"external name", "udp", "ext.example.", 0, dns.RcodeSuccess, 1, false},
		{"external name over tcp", "tcp", "ext.example.", 0, dns.RcodeSuccess, 1, false},
		{"external NXDOMAIN", "udp", "nope.example.", 0, dns.RcodeNameError, 0, false},
		{"upstream timeout is SERVFAIL", "udp", "slow.example.", 0, dns.RcodeServerFailure, 0, false},
		{"truncated upstream answer is fetched over tcp, truncated again for a 512-byte client", "udp", "big.example.", 0, dns.RcodeSuccess, -1, true},
		{"truncated upstream answer in full over tcp", "tcp", "big.example.", 0, dns.RcodeSuccess, 60, false},
		{"truncated upstream answer in full to a 4096-byte EDNS client", "udp", "big.example.", 4096, dns.RcodeSuccess, 60, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := new(dns.Msg).SetQuestion(c.qname, dns.TypeA)
			if c.edns > 0 {
				q.SetEdns0(c.edns, false)
			}
			m, _, err := (&dns.Client{Net: c.net, Timeout: 5 * time.Second}).Exchange(q, addr)
			if err != nil {
				t.Fatal(err)
			}
			if m.Rcode != c.rcode {
				t.Errorf("rcode: got %s, want %s", dns.RcodeToString[m.Rcode], dns.RcodeToString[c.rcode])
			}
			if c.answers >= 0 && len(m.Answer) != c.answers {
				t.Errorf("answers: got %d, want %d", len(m.Answer), c.answers)
			}
			if m.Truncated != c.tc {
				t.Errorf("TC: got %v, want %v", m.Truncated, c.tc)
			}
			if !strings.HasSuffix(c.qname, "cluster.local.") && !m.RecursionAvailable {
				t.Error("RA: got false on a forwarded answer, want true")
			}
		})
	}
	if got := testutil.ToFloat64(metrics.queries.WithLabelValues("A", "SERVFAIL")); got != 1 {
		t.Errorf("shoal_dns_queries_total{type=A,rcode=SERVFAIL}: got %v, want 1", got)
	}
}

// TestSlowUpstreamDoesNotBlockClusterNames: while a forwarded question
// waits on an upstream that never answers, cluster names are answered.
func TestSlowUpstreamDoesNotBlockClusterNames(t *testing.T) {
	up, asked := upstream(t)
	h, _ := chainHandler(t, up, netip.MustParsePrefix("127.0.0.0/8"))
	addr := startServer(t, h)
	slow := make(chan *dns.Msg, 1)
	go func() {
		m, _, _ := new(dns.Client).Exchange(new(dns.Msg).SetQuestion("slow.example.", dns.TypeA), addr)
		slow <- m
	}()
	if got := <-asked; got != "slow.example." {
		t.Fatalf("upstream asked %q first, want slow.example.", got)
	}
	m, _, err := new(dns.Client).Exchange(new(dns.Msg).SetQuestion("web.default.svc.cluster.local.", dns.TypeA), addr)
	if err != nil || m.Rcode != dns.RcodeSuccess || len(m.Answer) != 1 {
		t.Fatalf("cluster name while the upstream hangs: got %v, err %v; want one A", m, err)
	}
	select {
	case m := <-slow:
		t.Fatalf("slow name answered before the cluster name: %v", m)
	default:
	}
	if m := <-slow; m == nil || m.Rcode != dns.RcodeServerFailure {
		t.Fatalf("slow name: got %v, want SERVFAIL", m)
	}
}

// TestRecursionRefusedToForeignSource: a client outside the allowed
// prefixes gets cluster names but no forwarding (no open resolver).
func TestRecursionRefusedToForeignSource(t *testing.T) {
	up, asked := upstream(t)
	h, metrics := chainHandler(t, up, netip.MustParsePrefix("10.0.0.0/8"))
	addr := startServer(t, h)
	cases := []struct {
		name, qname string
		rcode       int
		answers     int
	}{
		{"cluster name is answered", "web.default.svc.cluster.local.", dns.RcodeSuccess, 1},
		{"cluster NXDOMAIN is answered", "nope.default.svc.cluster.local.", dns.RcodeNameError, 0},
		{"PTR of a ClusterIP is answered", "10.0.96.10.in-addr.arpa.", dns.RcodeSuccess, 1},
		{"external name is refused", "ext.example.", dns.RcodeRefused, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			qt := dns.TypeA
			if strings.HasSuffix(c.qname, ".arpa.") {
				qt = dns.TypePTR
			}
			m, _, err := new(dns.Client).Exchange(new(dns.Msg).SetQuestion(c.qname, qt), addr)
			if err != nil {
				t.Fatal(err)
			}
			if m.Rcode != c.rcode || len(m.Answer) != c.answers {
				t.Errorf("got %s with %d answers, want %s with %d", dns.RcodeToString[m.Rcode], len(m.Answer), dns.RcodeToString[c.rcode], c.answers)
			}
		})
	}
	select {
	case n := <-asked:
		t.Errorf("upstream was asked %q for a foreign client, want nothing", n)
	default:
	}
	if got := testutil.ToFloat64(metrics.refuse); got != 1 {
		t.Errorf("shoal_dns_recursion_refused_total: got %v, want 1", got)
	}
}
