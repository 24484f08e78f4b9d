package dnssvc

import (
	"context"
	"fmt"
	"testing"

	"github.com/miekg/dns"
	"github.com/shoal-dev/shoal/api"
)

func TestHandlerRejects(t *testing.T) {
	svcs, pods := fixture()
	h := NewHandler(Build(testCfg, 7, svcs, pods), Options{})
	query := func(f func(m *dns.Msg)) *dns.Msg {
		m := new(dns.Msg).SetQuestion("web.default.svc.cluster.local.", dns.TypeA)
		f(m)
		return m
	}
	cases := []struct {
		name  string
		msg   *dns.Msg
		rcode int
	}{
		{"NOTIFY opcode", query(func(m *dns.Msg) { m.Opcode = dns.OpcodeNotify }), dns.RcodeNotImplemented},
		{"UPDATE opcode", query(func(m *dns.Msg) { m.Opcode = dns.OpcodeUpdate }), dns.RcodeNotImplemented},
		{"no question", query(func(m *dns.Msg) { m.Question = nil }), dns.RcodeFormatError},
		{"two questions", query(func(m *dns.Msg) { m.Question = append(m.Question, m.Question[0]) }), dns.RcodeFormatError},
		{"CHAOS class", query(func(m *dns.Msg) { m.Question[0].Qclass = dns.ClassCHAOS }), dns.RcodeNotImplemented},
		{"AXFR", query(func(m *dns.Msg) { m.Question[0].Qtype = dns.TypeAXFR }), dns.RcodeNotImplemented},
		{"EDNS version 1", query(func(m *dns.Msg) { m.SetEdns0(1232, false); m.IsEdns0().SetVersion(1) }), dns.RcodeBadVers},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := h.Answer(c.msg)
			if m == nil {
				t.Fatal("got no reply, want one")
			}
			if m.Rcode != c.rcode {
				t.Errorf("rcode: got %s, want %s", dns.RcodeToString[m.Rcode], dns.RcodeToString[c.rcode])
			}
			if len(m.Answer) != 0 {
				t.Errorf("answer: got %v, want none", m.Answer)
			}
			if m.Id != c.msg.Id || !m.Response {
				t.Errorf("header: got id %d response %v, want id %d response true", m.Id, m.Response, c.msg.Id)
			}
		})
	}
	t.Run("a response is dropped", func(t *testing.T) {
		m := query(func(m *dns.Msg) { m.Response = true })
		if got := h.Answer(m); got != nil {
			t.Errorf("got %v, want no reply", got)
		}
	})
}

// startServer serves h on 127.0.0.1 until the test ends.
func startServer(t *testing.T, h dns.Handler) string {
	t.Helper()
	s, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return s.Addr()
}

// TestServer sends every lookup case over real UDP and TCP.
func TestServer(t *testing.T) {
	svcs, pods := fixture()
	addr := startServer(t, NewHandler(Build(testCfg, 7, svcs, pods), Options{}))
	for _, net := range []string{"udp", "tcp"} {
		c := &dns.Client{Net: net}
		for _, lc := range lookupCases {
			t.Run(net+"/"+lc.name, func(t *testing.T) {
				m, _, err := c.Exchange(new(dns.Msg).SetQuestion(lc.qname, lc.qtype), addr)
				if err != nil {
					t.Fatal(err)
				}
				checkReply(t, m, lc)
			})
		}
	}
}

// bigCluster has one headless service "big" with n ready endpoints.
func bigCluster(n int) ([]*api.Service, []*api.Pod) {
	sel := map[string]string{"app": "big"}
	svcs := []*api.Service{service("default", "big", api.ClusterIPNone, sel, sport("http", 80, api.ProtocolTCP))}
	var pods []*api.Pod
	for i := range n {
		pods = append(pods, pod("default", fmt.Sprintf("big-%d", i), fmt.Sprintf("10.244.%d.%d", i/250, 1+i%250), sel))
	}
	return svcs, pods
}

func TestTruncation(t *testing.T) {
	const n = 300
	svcs, pods := bigCluster(n)
	addr := startServer(t, NewHandler(Build(testCfg, 1, svcs, pods), Options{}))
	cases := []struct {
		name      string
		net       string
		edns      uint16
		truncated bool
		maxSize   int
		answers   int // exact count, or -1 for "fewer than n"
	}{
		{"UDP without EDNS fits 512 bytes", "udp", 0, true, 512, -1},
		{"UDP with EDNS 1232", "udp", 1232, true, 1232, -1},
		{"UDP with EDNS 65000 is capped at 4096", "udp", 65000, true, 4096, -1},
		{"TCP carries every record", "tcp", 0, false, 65535, n},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := new(dns.Msg).SetQuestion("big.default.svc.cluster.local.", dns.TypeA)
			if c.edns > 0 {
				q.SetEdns0(c.edns, false)
			}
			cl := &dns.Client{Net: c.net, UDPSize: 65535}
			m, _, err := cl.Exchange(q, addr)
			if err != nil {
				t.Fatal(err)
			}
			if m.Truncated != c.truncated {
				t.Errorf("TC: got %v, want %v", m.Truncated, c.truncated)
			}
			m.Compress = true // as sent
			if m.Len() > c.maxSize {
				t.Errorf("size: got %d bytes, want at most %d", m.Len(), c.maxSize)
			}
			switch {
			case c.answers >= 0 && len(m.Answer) != c.answers:
				t.Errorf("answers: got %d, want %d", len(m.Answer), c.answers)
			case c.answers < 0 && (len(m.Answer) == 0 || len(m.Answer) >= n):
				t.Errorf("answers: got %d, want some but fewer than %d", len(m.Answer), n)
			}
			if c.edns > 0 && m.IsEdns0() == nil {
				t.Error("got no OPT record, want one (the client sent EDNS0)")
			}
		})
	}
}

// TestTCPOverflow: an answer larger than a TCP message can carry is cut to
// fit with TC set, not dropped.
func TestTCPOverflow(t *testing.T) {
	const n = 5000 // 5000 A records are about 80 KB
	svcs, pods := bigCluster(n)
	addr := startServer(t, NewHandler(Build(testCfg, 1, svcs, pods), Options{}))
	m, _, err := (&dns.Client{Net: "tcp"}).Exchange(new(dns.Msg).SetQuestion("big.default.svc.cluster.local.", dns.TypeA), addr)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Truncated || len(m.Answer) == 0 || len(m.Answer) >= n {
		t.Errorf("got TC %v with %d answers, want TC with some but fewer than %d", m.Truncated, len(m.Answer), n)
	}
}
