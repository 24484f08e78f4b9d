package netsvc

import (
	"context"
	"flag"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shoal-dev/shoal/api"
	"github.com/vishvananda/netlink"
	"sigs.k8s.io/knftables"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fakeTable is a Table writing to a knftables fake, recording its
// conntrack clean-ups instead of doing them.
type fakeTable struct {
	*Table
	fake    *knftables.Fake
	flushed []*udpFlows
	txs     []string
}

func newFakeTable(t testing.TB) *fakeTable {
	t.Helper()
	tbl, err := NewTable(TableConfig{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ft := &fakeTable{Table: tbl, fake: knftables.NewFake(knftables.IPv4Family, tableName)}
	tbl.nft, tbl.bridgeNF = ft.fake, false
	tbl.conntrack = func(f ...netlink.CustomConntrackFilter) (uint, error) {
		for _, x := range f {
			ft.flushed = append(ft.flushed, x.(*udpFlows))
		}
		return 0, nil
	}
	tbl.trace = func(tx *knftables.Transaction) { ft.txs = append(ft.txs, tx.String()) }
	return ft
}

func (ft *fakeTable) sync(t testing.TB, svcs ...Service) {
	t.Helper()
	if err := ft.Sync(context.Background(), svcs); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

// lastTx is the last transaction Sync wrote ("" for none).
func (ft *fakeTable) lastTx() string {
	if len(ft.txs) == 0 {
		return ""
	}
	return ft.txs[len(ft.txs)-1]
}

// golden compares got with testdata/name.golden, or rewrites it with
// -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update rewrites it):\n%s", path, diff)
	}
}

var (
	ip  = netip.MustParseAddr
	tcp = api.ProtocolTCP
	udp = api.ProtocolUDP
)

// ep is an endpoint "a.b.c.d" on port, local or not.
func ep(addr string, port uint16, local bool) Endpoint {
	return Endpoint{Addr: ip(addr), Port: port, Local: local}
}

// svc is a service default/name on clusterIP with ports.
func svc(name, clusterIP string, ports ...ServicePort) Service {
	s := Service{Namespace: "default", Name: name, Ports: ports}
	if clusterIP != "" {
		s.ClusterIP = ip(clusterIP)
	}
	return s
}

func port(proto api.Protocol, p uint16, eps ...Endpoint) ServicePort {
	return ServicePort{Protocol: proto, Port: p, Endpoints: eps}
}

func nodePort(sp ServicePort, np uint16) ServicePort {
	sp.NodePort = np
	return sp
}

// goldenServices are the representative inputs of the golden tests.
func goldenServices() []struct {
	name string
	svc  Service
} {
	two := []Endpoint{ep("10.42.1.5", 8080, true), ep("10.42.2.7", 8080, false)}
	sticky := svc("sticky", "10.43.0.16", port(tcp, 80, two...))
	sticky.AffinityTimeout = 3 * time.Hour
	lb := svc("lb", "10.43.0.14", port(tcp, 443, two...))
	lb.LoadBalancerIPs = []netip.Addr{ip("10.99.0.1"), ip("10.99.0.2")}
	ext := svc("ext", "10.43.0.15", port(tcp, 8080, two...))
	ext.ExternalIPs = []netip.Addr{ip("192.0.2.10")}
	extLocal := svc("ext-local", "10.43.0.17", nodePort(port(tcp, 80, two...), 30082))
	extLocal.ExternalLocal = true
	extLocalNone := svc("ext-local-none", "10.43.0.18", nodePort(port(tcp, 80, ep("10.42.2.7", 8080, false)), 30083))
	extLocalNone.ExternalLocal = true
	intLocal := svc("int-local", "10.43.0.19", port(tcp, 80, two...))
	intLocal.InternalLocal = true
	intLocalNone := svc("int-local-none", "10.43.0.20", port(tcp, 80, ep("10.42.2.7", 8080, false)))
	intLocalNone.InternalLocal = true
	dns := svc("dns", "10.43.0.11",
		ServicePort{Name: "dns", Protocol: udp, Port: 53, Endpoints: []Endpoint{ep("10.42.1.3", 53, true), ep("10.42.2.3", 53, false)}},
		ServicePort{Name: "dns-tcp", Protocol: tcp, Port: 53, Endpoints: []Endpoint{ep("10.42.1.3", 53, true), ep("10.42.2.3", 53, false)}},
	)
	invalid := svc("invalid", "10.43.0.21",
		port(tcp, 0, two...),
		ServicePort{Protocol: "ICMP", Port: 7},
		port(tcp, 81, ep("fd00::1", 80, false), ep("10.42.1.5", 0, true), ep("10.42.1.5", 80, true), ep("10.42.1.5", 80, true)),
		port(tcp, 81, two...),
	)
	invalid.ExternalIPs = []netip.Addr{ip("::1"), ip("0.0.0.0")}
	return []struct {
		name string
		svc  Service
	}{
		{"clusterip", svc("web", "10.43.0.10", port(tcp, 80, two...))},
		{"multiport", dns},
		{"no-endpoints", svc("empty", "10.43.0.12", nodePort(port(tcp, 80), 30080), port(udp, 53))},
		{"nodeport", svc("np", "10.43.0.13", nodePort(port(tcp, 80, two...), 30081))},
		{"loadbalancer", lb},
		{"externalips", ext},
		{"affinity", sticky},
		{"externallocal", extLocal},
		{"externallocal-none-here", extLocalNone},
		{"internallocal", intLocal},
		{"internallocal-none-here", intLocalNone},
		{"sctp", svc("sctp", "10.43.0.22", port(api.ProtocolSCTP, 9999, two...))},
		{"headless", svc("headless", "", port(tcp, 80, two...))},
		{"ipv6-clusterip", svc("v6", "fd00::10", port(tcp, 80, two...))},
		{"invalid-parts", invalid},
	}
}

// TestTableGolden: the whole table for each representative service, as
// the knftables fake holds it after one Sync.
func TestTableGolden(t *testing.T) {
	t.Run("no-services", func(t *testing.T) {
		ft := newFakeTable(t)
		ft.sync(t)
		golden(t, "no-services", ft.fake.Dump())
	})
	for _, tt := range goldenServices() {
		t.Run(tt.name, func(t *testing.T) {
			ft := newFakeTable(t)
			ft.sync(t, tt.svc)
			golden(t, tt.name, serviceDump(ft.fake.Dump()))
		})
	}
}

// serviceDump is dump without the lines every table has, so a golden file
// shows what one service adds.
func serviceDump(dump string) string {
	empty := newFakeTableNoT()
	_ = empty.Sync(context.Background(), nil)
	common := map[string]bool{}
	for _, l := range strings.Split(empty.fake.Dump(), "\n") {
		common[l] = true
	}
	var out []string
	for _, l := range strings.Split(dump, "\n") {
		if !common[l] {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n") + "\n"
}

func newFakeTableNoT() *fakeTable {
	tbl, _ := NewTable(TableConfig{Logger: slog.New(slog.DiscardHandler)})
	ft := &fakeTable{Table: tbl, fake: knftables.NewFake(knftables.IPv4Family, tableName)}
	tbl.nft, tbl.bridgeNF = ft.fake, false
	return ft
}

// TestTableIncremental: after the first Sync, a Sync writes only what
// changed, and leaves the table as a fresh full Sync of the same services
// would.
func TestTableIncremental(t *testing.T) {
	base := goldenServices()
	all := make([]Service, len(base))
	for i, s := range base {
		all[i] = s.svc
	}
	web := func(eps ...Endpoint) Service { return svc("web", "10.43.0.10", port(tcp, 80, eps...)) }
	with := func(s Service, replace ...Service) []Service {
		out := slices.Clone(all)
		out = slices.DeleteFunc(out, func(o Service) bool {
			return slices.ContainsFunc(replace, func(r Service) bool { return r.Name == o.Name })
		})
		return append(out, s)
	}
	dnsChanged := all[1]
	dnsChanged.Ports = slices.Clone(dnsChanged.Ports)
	dnsChanged.Ports[0].Endpoints = []Endpoint{ep("10.42.1.3", 53, true)}
	stickyLonger := all[6]
	stickyLonger.AffinityTimeout = time.Hour
	steps := []struct {
		name     string
		services []Service
		noOps    bool
		flushed  string // conntrack clean-up, as udpFlows prints
	}{
		{"unchanged", all, true, ""},
		{"endpoint-added", with(web(ep("10.42.1.5", 8080, true), ep("10.42.2.7", 8080, false), ep("10.42.2.8", 8080, false)), all[0]), false, ""},
		{"endpoint-removed", with(web(ep("10.42.2.7", 8080, false)), all[0]), false, ""},
		{"endpoints-gone", with(web(), all[0]), false, ""},
		{"udp-endpoint-removed", with(dnsChanged, all[1]), false, "answeredBy [10.42.2.3:53]"},
		{"affinity-timeout-changed", with(stickyLonger, all[6]), false, ""},
		{"udp-endpoints-back", with(svc("empty", "10.43.0.12", nodePort(port(tcp, 80), 30080), nodePort(port(udp, 53, ep("10.42.1.9", 5353, true)), 30053)), all[2]), false, "to [10.43.0.12:53] nodePorts [30053]"},
		{"service-removed", all[1:], false, ""},
	}
	ft := newFakeTable(t)
	ft.sync(t, all...)
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			// Back to all first, then the step: each step's transaction
			// is measured from the same table.
			ft.sync(t, all...)
			before := len(ft.txs)
			ft.flushed = nil
			ft.sync(t, s.services...)
			if s.noOps {
				if len(ft.txs) > before && strings.TrimSpace(ft.lastTx()) != "" {
					t.Errorf("Sync with nothing changed wrote:\n%s\nwant nothing", ft.lastTx())
				}
				return
			}
			golden(t, "incremental-"+s.name, ft.lastTx())
			fresh := newFakeTable(t)
			fresh.sync(t, s.services...)
			if diff := cmp.Diff(sortedLines(fresh.fake.Dump()), sortedLines(ft.fake.Dump())); diff != "" {
				t.Errorf("table after the incremental Sync differs from a full Sync of the same services (-full +incremental):\n%s", diff)
			}
			var got []string
			for _, f := range ft.flushed {
				got = append(got, f.String())
			}
			if g := strings.Join(got, "; "); g != s.flushed {
				t.Errorf("conntrack clean-up = %q, want %q", g, s.flushed)
			}
		})
	}
}

// sortedLines is dump's lines sorted: the fake keeps elements in the
// order they were added.
func sortedLines(dump string) []string {
	l := strings.Split(strings.TrimSpace(dump), "\n")
	slices.Sort(l)
	return l
}

// newFakeTableQuiet is newFakeTable without logs (for fuzzing).
func newFakeTableQuiet(t testing.TB) *fakeTable {
	ft := newFakeTable(t)
	ft.logger = slog.New(slog.DiscardHandler)
	return ft
}
