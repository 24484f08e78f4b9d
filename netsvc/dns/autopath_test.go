package dnssvc

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// stubResolve asks h for name the way a pod's resolver does with
// "search NS.svc.ZONE svc.ZONE ZONE" and "options ndots:5": names with
// fewer than five dots go through the search path first, then as given.
// It returns the final reply and how many queries it sent.
func stubResolve(h *Handler, client netip.Addr, name string, qtype uint16) (*dns.Msg, int) {
	search := []string{"default.svc.cluster.local.", "svc.cluster.local.", "cluster.local."}
	var tries []string
	if strings.Count(name, ".") >= 5 {
		tries = append(tries, dns.Fqdn(name))
	}
	for _, s := range search {
		tries = append(tries, name+"."+s)
	}
	if strings.Count(name, ".") < 5 {
		tries = append(tries, dns.Fqdn(name))
	}
	var m *dns.Msg
	for i, q := range tries {
		m = h.Reply(new(dns.Msg).SetQuestion(q, qtype), client)
		if m.Rcode != dns.RcodeNameError {
			return m, i + 1
		}
	}
	return m, len(tries)
}

// TestSearchPath follows a pod's resolver through the handler with and
// without server-side search-path expansion: the same final answer, in
// fewer round trips.
func TestSearchPath(t *testing.T) {
	up, _ := upstream(t)
	h, metrics := chainHandler(t, up, netip.MustParsePrefix("0.0.0.0/0"))
	pod := netip.MustParseAddr("10.244.1.9")    // web-x, namespace default
	notPod := netip.MustParseAddr("10.244.9.9") // no pod has it: no expansion
	cases := []struct {
		name       string
		qtype      uint16
		rcode      int
		want       string // an answer record's data, "" for none
		tries      int    // queries without expansion
		triesWith  int    // queries with it
		cnameFirst bool   // the expanded answer starts with a CNAME
	}{
		{"web", dns.TypeA, dns.RcodeSuccess, "10.96.0.10", 1, 1, false},
		{"web.other", dns.TypeA, dns.RcodeSuccess, "10.96.0.11", 2, 1, true},
		{"web.other.svc", dns.TypeA, dns.RcodeSuccess, "10.96.0.11", 3, 1, true},
		{"web.default.svc.cluster.local", dns.TypeA, dns.RcodeSuccess, "10.96.0.10", 4, 1, true},
		{"_http._tcp.web.other", dns.TypeSRV, dns.RcodeSuccess, "web.other.svc.cluster.local.", 2, 1, true},
		{"ext.example", dns.TypeA, dns.RcodeSuccess, "192.0.2.1", 4, 1, true},
		{"nope.example", dns.TypeA, dns.RcodeNameError, "", 4, 4, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, run := range []struct {
				client     netip.Addr
				tries      int
				cnameFirst bool
			}{{notPod, c.tries, false}, {pod, c.triesWith, c.cnameFirst}} {
				m, n := stubResolve(h, run.client, c.name, c.qtype)
				if m.Rcode != c.rcode {
					t.Fatalf("client %s: rcode %s, want %s", run.client, dns.RcodeToString[m.Rcode], dns.RcodeToString[c.rcode])
				}
				if n != run.tries {
					t.Errorf("client %s: %d queries, want %d", run.client, n, run.tries)
				}
				if c.want != "" && !strings.Contains(m.String(), c.want) {
					t.Errorf("client %s: answer lacks %s:\n%s", run.client, c.want, m)
				}
				if _, isCNAME := first(m.Answer).(*dns.CNAME); isCNAME != run.cnameFirst {
					t.Errorf("client %s: answer starts with a CNAME: %v, want %v:\n%s", run.client, isCNAME, run.cnameFirst, m)
				}
				if run.cnameFirst && m.Answer[0].Header().Name != m.Question[0].Name {
					t.Errorf("CNAME owner %q, want the name asked %q", m.Answer[0].Header().Name, m.Question[0].Name)
				}
			}
		})
	}
	if got := testutil.ToFloat64(metrics.expand); got != 5 {
		t.Errorf("shoal_dns_search_path_answers_total: got %v, want 5", got)
	}
}

func first(rrs []dns.RR) dns.RR {
	if len(rrs) == 0 {
		return nil
	}
	return rrs[0]
}
