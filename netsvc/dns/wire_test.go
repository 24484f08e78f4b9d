package dnssvc

import (
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"

	"github.com/shoal-dev/shoal/api"
)

// swapLookup is a Lookup whose zone a test replaces.
type swapLookup struct{ z atomic.Pointer[Zone] }

func (s *swapLookup) Lookup(q dns.Question) (Reply, error) { return s.z.Load().Lookup(q) }
func (s *swapLookup) Zone() *Zone                          { return s.z.Load() }

// wireQuery packs a query for name with id.
func wireQuery(t *testing.T, id uint16, name string, qtype uint16) []byte {
	t.Helper()
	q := new(dns.Msg).SetQuestion(name, qtype)
	q.Id = id
	b, err := q.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ask sends pkt through the UDP path and unpacks the answer (nil if none
// was sent at once).
func ask(t *testing.T, h *Handler, pkt []byte, client string) *dns.Msg {
	t.Helper()
	b := h.serveUDP(pkt, netip.MustParseAddr(client), nil, func([]byte) {})
	if b == nil {
		return nil
	}
	m := new(dns.Msg)
	if err := m.Unpack(b); err != nil {
		t.Fatalf("answer does not unpack: %v", err)
	}
	return m
}

// TestWireCache checks the packed-answer cache of the UDP path: a
// repeated query gets its own ID and the same answer, a new zone is
// answered at once, an NXDOMAIN kept for others is not given to a pod
// (which gets its search path expanded), and garbage is dropped.
func TestWireCache(t *testing.T) {
	svcs, pods := fixture()
	var l swapLookup
	l.z.Store(Build(testCfg, 1, svcs, pods))
	h := NewHandler(&l, Options{SearchPath: func(c netip.Addr) []string { return l.Zone().SearchPath(c) }})
	const web = "web.default.svc.cluster.local."

	t.Run("repeat gets its own id and the same answer", func(t *testing.T) {
		a := ask(t, h, wireQuery(t, 1, web, dns.TypeA), "192.0.2.9")
		b := ask(t, h, wireQuery(t, 2, web, dns.TypeA), "192.0.2.9")
		if a.Id != 1 || b.Id != 2 {
			t.Fatalf("ids: got %d and %d, want 1 and 2", a.Id, b.Id)
		}
		if a.Answer[0].String() != b.Answer[0].String() {
			t.Fatalf("answers differ: %v vs %v", a.Answer, b.Answer)
		}
	})
	t.Run("case of the question is kept", func(t *testing.T) {
		m := ask(t, h, wireQuery(t, 3, "WEB.default.svc.cluster.local.", dns.TypeA), "192.0.2.9")
		if got := m.Answer[0].Header().Name; got != "WEB.default.svc.cluster.local." {
			t.Fatalf("owner: got %q, want the question's case", got)
		}
	})
	t.Run("a new zone is answered at once", func(t *testing.T) {
		moved := service("default", "web", "10.96.0.99", map[string]string{"app": "web"})
		l.z.Store(Build(testCfg, 2, append([]*api.Service{moved}, svcs[1:]...), pods))
		m := ask(t, h, wireQuery(t, 4, web, dns.TypeA), "192.0.2.9")
		if got := m.Answer[0].(*dns.A).A.String(); got != "10.96.0.99" {
			t.Fatalf("after the zone changed: got %s, want 10.96.0.99", got)
		}
	})
	t.Run("a kept NXDOMAIN is not given to a pod", func(t *testing.T) {
		nx := "web.other.default.svc.cluster.local."
		if m := ask(t, h, wireQuery(t, 5, nx, dns.TypeA), "192.0.2.9"); m.Rcode != dns.RcodeNameError {
			t.Fatalf("not a pod: got %s, want NXDOMAIN", dns.RcodeToString[m.Rcode])
		}
		m := ask(t, h, wireQuery(t, 6, nx, dns.TypeA), "10.244.1.9")
		if m.Rcode != dns.RcodeSuccess || len(m.Answer) != 2 {
			t.Fatalf("pod web-x: got %s with %d answers, want the CNAME to web.other and its A", dns.RcodeToString[m.Rcode], len(m.Answer))
		}
	})
	t.Run("garbage is dropped", func(t *testing.T) {
		for _, pkt := range [][]byte{nil, {1, 2, 3}, append(wireQuery(t, 7, web, dns.TypeA)[:12], 0xff, 0xff)} {
			if b := h.serveUDP(pkt, netip.MustParseAddr("192.0.2.9"), nil, func([]byte) {}); b != nil {
				t.Errorf("packet %x: got an answer, want none", pkt)
			}
		}
		resp := wireQuery(t, 8, web, dns.TypeA)
		resp[2] |= 0x80 // QR: a response
		if b := h.serveUDP(resp, netip.MustParseAddr("192.0.2.9"), nil, func([]byte) {}); b != nil {
			t.Error("a response got an answer, want none")
		}
	})
}

// TestWireCacheForwarded: an upstream's answer is kept for clients that
// may recurse and never given to one that may not.
func TestWireCacheForwarded(t *testing.T) {
	up, asked := upstream(t)
	h, _ := chainHandler(t, up, netip.MustParsePrefix("127.0.0.0/8"))
	later := make(chan []byte, 1)
	pkt := wireQuery(t, 1, "ext.example.", dns.TypeA)
	if b := h.serveUDP(pkt, netip.MustParseAddr("127.0.0.1"), nil, func(b []byte) { later <- b }); b != nil {
		t.Fatal("a forwarded name was answered at once, want it answered later")
	}
	first := new(dns.Msg)
	if err := first.Unpack(<-later); err != nil || len(first.Answer) != 1 {
		t.Fatalf("forwarded answer: %v (err %v), want one A", first, err)
	}
	<-asked
	cases := []struct {
		name, client string
		rcode        int
	}{
		{"kept for a client that may recurse", "127.0.0.2", dns.RcodeSuccess},
		{"refused to one that may not", "192.0.2.9", dns.RcodeRefused},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := ask(t, h, wireQuery(t, 2, "ext.example.", dns.TypeA), c.client)
			if m == nil || m.Rcode != c.rcode {
				t.Fatalf("got %v, want %s at once", m, dns.RcodeToString[c.rcode])
			}
		})
	}
	select {
	case n := <-asked:
		t.Errorf("upstream asked again for %s, want the kept answer", n)
	default:
	}
}
