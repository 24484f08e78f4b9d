package dnssvc

import (
	"testing"

	"github.com/miekg/dns"
)

const (
	soaZone = "cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 7 7200 1800 86400 5"
	soaSvc  = "10.in-addr.arpa. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 7 7200 1800 86400 5"
	soaPod  = "244.10.in-addr.arpa. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 7 7200 1800 86400 5"
)

// lookupCase is one query and the reply expected, records in zone-file
// syntax (as CoreDNS's plugin/test).
type lookupCase struct {
	name   string
	qname  string
	qtype  uint16
	rcode  int
	answer []string
	ns     []string
	extra  []string
}

var lookupCases = []lookupCase{
	// Services with a ClusterIP.
	{name: "A of a ClusterIP service", qname: "web.default.svc.cluster.local.", qtype: dns.TypeA,
		answer: []string{"web.default.svc.cluster.local. 5 IN A 10.96.0.10"}},
	{name: "same name in another namespace", qname: "web.other.svc.cluster.local.", qtype: dns.TypeA,
		answer: []string{"web.other.svc.cluster.local. 5 IN A 10.96.0.11"}},
	{name: "case-insensitive, question case kept", qname: "WEB.Default.SVC.cluster.LOCAL.", qtype: dns.TypeA,
		answer: []string{"WEB.Default.SVC.cluster.LOCAL. 5 IN A 10.96.0.10"}},
	{name: "SRV of a named TCP port", qname: "_http._tcp.web.default.svc.cluster.local.", qtype: dns.TypeSRV,
		answer: []string{"_http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 100 80 web.default.svc.cluster.local."},
		extra:  []string{"web.default.svc.cluster.local. 5 IN A 10.96.0.10"}},
	{name: "SRV of a named UDP port", qname: "_dns._udp.web.default.svc.cluster.local.", qtype: dns.TypeSRV,
		answer: []string{"_dns._udp.web.default.svc.cluster.local. 5 IN SRV 0 100 53 web.default.svc.cluster.local."},
		extra:  []string{"web.default.svc.cluster.local. 5 IN A 10.96.0.10"}},
	{name: "SRV of a port under the wrong protocol", qname: "_http._udp.web.default.svc.cluster.local.", qtype: dns.TypeSRV,
		rcode: dns.RcodeNameError, ns: []string{soaZone}},
	{name: "SRV of the service name lists every port", qname: "web.default.svc.cluster.local.", qtype: dns.TypeSRV,
		answer: []string{
			"web.default.svc.cluster.local. 5 IN SRV 0 33 80 web.default.svc.cluster.local.",
			"web.default.svc.cluster.local. 5 IN SRV 0 33 53 web.default.svc.cluster.local.",
			"web.default.svc.cluster.local. 5 IN SRV 0 33 8080 web.default.svc.cluster.local.",
		},
		extra: []string{"web.default.svc.cluster.local. 5 IN A 10.96.0.10"}},
	{name: "NODATA: AAAA of an IPv4 service", qname: "web.default.svc.cluster.local.", qtype: dns.TypeAAAA,
		ns: []string{soaZone}},
	{name: "NODATA: TXT of a service", qname: "web.default.svc.cluster.local.", qtype: dns.TypeTXT,
		ns: []string{soaZone}},
	{name: "NODATA: a namespace is an empty non-terminal", qname: "default.svc.cluster.local.", qtype: dns.TypeA,
		ns: []string{soaZone}},
	{name: "NODATA: the protocol label of a named port", qname: "_tcp.web.default.svc.cluster.local.", qtype: dns.TypeSRV,
		ns: []string{soaZone}},
	{name: "NXDOMAIN: no such service", qname: "nope.default.svc.cluster.local.", qtype: dns.TypeA,
		rcode: dns.RcodeNameError, ns: []string{soaZone}},
	{name: "NXDOMAIN: no such namespace", qname: "web.nope.svc.cluster.local.", qtype: dns.TypeA,
		rcode: dns.RcodeNameError, ns: []string{soaZone}},
	{name: "NXDOMAIN: under a service name", qname: "x.web.default.svc.cluster.local.", qtype: dns.TypeA,
		rcode: dns.RcodeNameError, ns: []string{soaZone}},

	// Headless services.
	{name: "headless A: one per ready endpoint", qname: "db.default.svc.cluster.local.", qtype: dns.TypeA,
		answer: []string{"db.default.svc.cluster.local. 5 IN A 10.244.1.5", "db.default.svc.cluster.local. 5 IN A 10.244.2.6"}},
	{name: "headless without ready endpoints is NXDOMAIN", qname: "empty.default.svc.cluster.local.", qtype: dns.TypeA,
		rcode: dns.RcodeNameError, ns: []string{soaZone}},
	{name: "headless SRV: one per endpoint, hostname or dashed target", qname: "_pg._tcp.db.default.svc.cluster.local.", qtype: dns.TypeSRV,
		answer: []string{
			"_pg._tcp.db.default.svc.cluster.local. 5 IN SRV 0 50 5432 db-0.db.default.svc.cluster.local.",
			"_pg._tcp.db.default.svc.cluster.local. 5 IN SRV 0 50 5432 10-244-2-6.db.default.svc.cluster.local.",
		},
		extra: []string{
			"db-0.db.default.svc.cluster.local. 5 IN A 10.244.1.5",
			"10-244-2-6.db.default.svc.cluster.local. 5 IN A 10.244.2.6",
		}},
	{name: "headless SRV of the service name", qname: "db.default.svc.cluster.local.", qtype: dns.TypeSRV,
		answer: []string{
			"db.default.svc.cluster.local. 5 IN SRV 0 50 5432 db-0.db.default.svc.cluster.local.",
			"db.default.svc.cluster.local. 5 IN SRV 0 50 5432 10-244-2-6.db.default.svc.cluster.local.",
		},
		extra: []string{
			"db-0.db.default.svc.cluster.local. 5 IN A 10.244.1.5",
			"10-244-2-6.db.default.svc.cluster.local. 5 IN A 10.244.2.6",
		}},
	{name: "StatefulSet pod name HOSTNAME.SUBDOMAIN", qname: "db-0.db.default.svc.cluster.local.", qtype: dns.TypeA,
		answer: []string{"db-0.db.default.svc.cluster.local. 5 IN A 10.244.1.5"}},
	{name: "endpoint without hostname by dashed IP", qname: "10-244-2-6.db.default.svc.cluster.local.", qtype: dns.TypeA,
		answer: []string{"10-244-2-6.db.default.svc.cluster.local. 5 IN A 10.244.2.6"}},
	{name: "not-ready pod has no endpoint name", qname: "10-244-2-7.db.default.svc.cluster.local.", qtype: dns.TypeA,
		rcode: dns.RcodeNameError, ns: []string{soaZone}},

	{name: "publishNotReadyAddresses lists not-ready pods", qname: "peers.default.svc.cluster.local.", qtype: dns.TypeA,
		answer: []string{
			"peers.default.svc.cluster.local. 5 IN A 10.244.1.5",
			"peers.default.svc.cluster.local. 5 IN A 10.244.2.6",
			"peers.default.svc.cluster.local. 5 IN A 10.244.2.7",
		}},
	{name: "hostname counts only under the service its subdomain names", qname: "db-0.peers.default.svc.cluster.local.", qtype: dns.TypeA,
		rcode: dns.RcodeNameError, ns: []string{soaZone}},
	{name: "headless without ports has no SRV", qname: "peers.default.svc.cluster.local.", qtype: dns.TypeSRV,
		ns: []string{soaZone}},

	// Pods.
	{name: "pod record A-B-C-D.NS.pod", qname: "10-244-1-9.default.pod.cluster.local.", qtype: dns.TypeA,
		answer: []string{"10-244-1-9.default.pod.cluster.local. 5 IN A 10.244.1.9"}},
	{name: "pod record in the wrong namespace", qname: "10-244-1-9.other.pod.cluster.local.", qtype: dns.TypeA,
		rcode: dns.RcodeNameError, ns: []string{soaZone}},

	// PTR.
	{name: "PTR of a ClusterIP", qname: "10.0.96.10.in-addr.arpa.", qtype: dns.TypePTR,
		answer: []string{"10.0.96.10.in-addr.arpa. 5 IN PTR web.default.svc.cluster.local."}},
	{name: "PTR of a headless endpoint with hostname (dashed under a service it is not the subdomain of)", qname: "5.1.244.10.in-addr.arpa.", qtype: dns.TypePTR,
		answer: []string{
			"5.1.244.10.in-addr.arpa. 5 IN PTR db-0.db.default.svc.cluster.local.",
			"5.1.244.10.in-addr.arpa. 5 IN PTR 10-244-1-5.peers.default.svc.cluster.local.",
		}},
	{name: "PTR of a headless endpoint without hostname, in every service", qname: "6.2.244.10.IN-ADDR.ARPA.", qtype: dns.TypePTR,
		answer: []string{
			"6.2.244.10.IN-ADDR.ARPA. 5 IN PTR 10-244-2-6.db.default.svc.cluster.local.",
			"6.2.244.10.IN-ADDR.ARPA. 5 IN PTR 10-244-2-6.peers.default.svc.cluster.local.",
		}},
	{name: "PTR of an unused service IP", qname: "9.9.96.10.in-addr.arpa.", qtype: dns.TypePTR,
		rcode: dns.RcodeNameError, ns: []string{soaSvc}},
	{name: "PTR of an unused pod IP", qname: "9.9.244.10.in-addr.arpa.", qtype: dns.TypePTR,
		rcode: dns.RcodeNameError, ns: []string{soaPod}},
	{name: "reverse zone apex SOA", qname: "244.10.in-addr.arpa.", qtype: dns.TypeSOA,
		answer: []string{soaPod}},
	{name: "PTR outside the reverse zones is not ours", qname: "1.1.168.192.in-addr.arpa.", qtype: dns.TypePTR,
		rcode: dns.RcodeRefused},

	// ExternalName, dns-version, apex.
	{name: "ExternalName is a CNAME", qname: "ext.default.svc.cluster.local.", qtype: dns.TypeA,
		answer: []string{"ext.default.svc.cluster.local. 5 IN CNAME example.com."}},
	{name: "dns-version", qname: "dns-version.cluster.local.", qtype: dns.TypeTXT,
		answer: []string{`dns-version.cluster.local. 5 IN TXT "1.1.0"`}},
	{name: "apex SOA", qname: "cluster.local.", qtype: dns.TypeSOA,
		answer: []string{soaZone}},
	{name: "apex NS", qname: "Cluster.Local.", qtype: dns.TypeNS,
		answer: []string{"Cluster.Local. 5 IN NS ns.dns.cluster.local."},
		extra:  []string{"ns.dns.cluster.local. 5 IN A 10.96.0.53"}},
	{name: "apex A is NODATA", qname: "cluster.local.", qtype: dns.TypeA,
		ns: []string{soaZone}},

	// Not ours.
	{name: "external name is refused", qname: "example.com.", qtype: dns.TypeA,
		rcode: dns.RcodeRefused},
	{name: "a name that only ends like the zone", qname: "xcluster.local.", qtype: dns.TypeA,
		rcode: dns.RcodeRefused},
	{name: "an escaped dot is not a label boundary", qname: `a\.cluster.local.`, qtype: dns.TypeA,
		rcode: dns.RcodeRefused},
	{name: "an escaped dot inside the zone", qname: `web\.x.default.svc.cluster.local.`, qtype: dns.TypeA,
		rcode: dns.RcodeNameError, ns: []string{soaZone}},
	{name: "the zone as a label of a longer name", qname: "web.default.svc.cluster.local.evil.", qtype: dns.TypeA,
		rcode: dns.RcodeRefused},
}

// TestLookup sends every case as a real dns.Msg through the Handler.
func TestLookup(t *testing.T) {
	svcs, pods := fixture()
	h := NewHandler(Build(testCfg, 7, svcs, pods), Options{})
	for _, c := range lookupCases {
		t.Run(c.name, func(t *testing.T) {
			q := new(dns.Msg).SetQuestion(c.qname, c.qtype)
			m := h.Answer(q)
			checkReply(t, m, c)
		})
	}
}

func checkReply(t *testing.T, m *dns.Msg, c lookupCase) {
	t.Helper()
	if m == nil {
		t.Fatal("got no reply, want one")
	}
	if m.Rcode != c.rcode {
		t.Errorf("rcode: got %s, want %s", dns.RcodeToString[m.Rcode], dns.RcodeToString[c.rcode])
	}
	if len(m.Question) != 1 || m.Question[0].Name != c.qname {
		t.Errorf("question: got %v, want %s", m.Question, c.qname)
	}
	if d := diff(strs(m.Answer), rrs(t, c.answer...)); d != "" {
		t.Errorf("answer:\n%s", d)
	}
	if d := diff(strs(m.Ns), rrs(t, c.ns...)); d != "" {
		t.Errorf("authority:\n%s", d)
	}
	if d := diff(strs(m.Extra), rrs(t, c.extra...)); d != "" {
		t.Errorf("additional:\n%s", d)
	}
	wantAA := c.rcode != dns.RcodeRefused
	if m.Authoritative != wantAA {
		t.Errorf("authoritative: got %v, want %v", m.Authoritative, wantAA)
	}
}
