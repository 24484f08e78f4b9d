package netsvc

import (
	"context"
	"errors"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vishvananda/netlink"
)

// newRealTable makes a Table for node and closes it when the test ends.
func newRealTable(t testing.TB, node *testNode) *Table {
	t.Helper()
	tbl, err := NewTable(TableConfig{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := node.Try(tbl.Close); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return tbl
}

func syncIn(t testing.TB, node *testNode, tbl *Table, svcs ...Service) {
	t.Helper()
	node.Do(t, func() error { return tbl.Sync(context.Background(), svcs) })
}

// listTable is `nft list table ip shoal` as sorted lines, without
// handles, so two listings of the same table compare equal.
func listTable(t testing.TB, node *testNode) []string {
	t.Helper()
	out, err := node.run("nft", "list", "table", "ip", tableName)
	if err != nil {
		t.Fatalf("nft list table: %v\n%s", err, out)
	}
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	slices.Sort(lines)
	return lines
}

func TestTableNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  TableConfig
		want string // in the error; "" for none
	}{
		{"defaults", TableConfig{}, ""},
		{"explicit", TableConfig{ClusterCIDR: "10.10.0.0/16", ServiceCIDR: "10.11.0.0/16"}, ""},
		{"cluster not a CIDR", TableConfig{ClusterCIDR: "10.10.0.0"}, "ClusterCIDR"},
		{"service ipv6", TableConfig{ServiceCIDR: "fd00::/108"}, "ServiceCIDR"},
		{"overlap", TableConfig{ClusterCIDR: "10.0.0.0/8", ServiceCIDR: "10.43.0.0/16"}, "overlaps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewTable(tt.cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error naming %s", err, tt.want)
			}
		})
	}
}

// TestTableRealIncremental applies the incremental steps of the golden
// test to the kernel: each is accepted, and leaves the same table as a
// full rewrite of the same services.
func TestTableRealIncremental(t *testing.T) {
	node := newTestNode(t)
	tbl := newRealTable(t, node)
	var all []Service
	for _, s := range goldenServices() {
		all = append(all, s.svc)
	}
	syncIn(t, node, tbl, all...)
	changed := func(i int, f func(*Service)) []Service {
		out := slices.Clone(all)
		s := out[i]
		s.Ports = slices.Clone(s.Ports)
		for j := range s.Ports {
			s.Ports[j].Endpoints = slices.Clone(s.Ports[j].Endpoints)
		}
		f(&s)
		out[i] = s
		return out
	}
	steps := []struct {
		name string
		svcs []Service
	}{
		{"endpoint added", changed(0, func(s *Service) { s.Ports[0].Endpoints = append(s.Ports[0].Endpoints, ep("10.42.3.3", 8080, false)) })},
		{"endpoint removed", changed(0, func(s *Service) { s.Ports[0].Endpoints = s.Ports[0].Endpoints[1:] })},
		{"endpoints gone", changed(0, func(s *Service) { s.Ports[0].Endpoints = nil })},
		{"affinity timeout changed", changed(6, func(s *Service) { s.AffinityTimeout /= 2 })},
		{"external local flipped", changed(7, func(s *Service) { s.ExternalLocal = false })},
		{"service removed", all[1:]},
		{"all back", all},
		{"nothing", nil},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			syncIn(t, node, tbl, s.svcs...)
			got := listTable(t, node)
			tbl.Resync()
			syncIn(t, node, tbl, s.svcs...)
			if diff := cmp.Diff(listTable(t, node), got); diff != "" {
				t.Errorf("table after the incremental Sync differs from a full one (-full +incremental):\n%s", diff)
			}
		})
	}
}

// TestTableRebuilds: a table changed behind Shoal's back (flushed, or
// holding chains of an older agent) is put right by the next Sync.
func TestTableRebuilds(t *testing.T) {
	node := newTestNode(t)
	tbl := newRealTable(t, node)
	web := svc("web", "10.43.0.10", port(tcp, 80, ep("10.42.1.5", 8080, true)))
	syncIn(t, node, tbl, web)
	want := listTable(t, node)

	t.Run("ruleset flushed", func(t *testing.T) {
		if out, err := node.run("nft", "flush", "ruleset"); err != nil {
			t.Fatalf("flush ruleset: %v\n%s", err, out)
		}
		// The next change finds the table gone and rewrites it whole.
		other := svc("other", "10.43.0.11", port(tcp, 80, ep("10.42.1.6", 8080, true)))
		syncIn(t, node, tbl, web, other)
		got := listTable(t, node)
		tbl.Resync()
		syncIn(t, node, tbl, web, other)
		if diff := cmp.Diff(listTable(t, node), got); diff != "" {
			t.Errorf("table after a flush and Sync (-full +got):\n%s", diff)
		}
		syncIn(t, node, tbl, web)
	})
	t.Run("leftovers of an older agent", func(t *testing.T) {
		for _, cmd := range [][]string{
			{"add", "chain", "ip", tableName, "svc-OLD"},
			{"add", "rule", "ip", tableName, "svc-OLD", "ip", "daddr", "10.43.9.9", "drop"},
			{"add", "map", "ip", tableName, "old-map", "{ type ipv4_addr : verdict ; }"},
			{"add", "element", "ip", tableName, "service-ips", "{ 10.43.9.9 . tcp . 80 : goto svc-OLD }"},
		} {
			if out, err := node.run("nft", cmd...); err != nil {
				t.Fatalf("nft %v: %v\n%s", cmd, err, out)
			}
		}
		tbl.Resync() // as an agent restart starts
		syncIn(t, node, tbl, web)
		if diff := cmp.Diff(want, listTable(t, node)); diff != "" {
			t.Errorf("table after a full Sync over leftovers (-want +got):\n%s", diff)
		}
	})
	t.Run("close leaves other tables alone", func(t *testing.T) {
		if out, err := node.run("nft", "add", "table", "ip", "other"); err != nil {
			t.Fatalf("add a foreign table: %v\n%s", err, out)
		}
		node.Do(t, tbl.Close)
		if out, err := node.run("nft", "list", "table", "ip", tableName); err == nil {
			t.Errorf("table after Close:\n%s\nwant none", out)
		}
		if _, err := node.run("nft", "list", "table", "ip", "other"); err != nil {
			t.Errorf("foreign table gone after Close: %v", err)
		}
		node.Do(t, tbl.Close) // again: nothing there
	})
}

// TestTableBase: the pod-network rules Routes used to write are there with
// no services, once each.
func TestTableBase(t *testing.T) {
	node := newTestNode(t)
	tbl := newRealTable(t, node)
	syncIn(t, node, tbl)
	syncIn(t, node, tbl)
	out, _ := node.run("nft", "list", "table", "ip", tableName)
	for _, re := range []string{
		`ip saddr 10\.42\.0\.0/16 ip daddr != 10\.42\.0\.0/16 masquerade`,
		`ip saddr 10\.42\.0\.0/16 accept`,
		`ip daddr 10\.42\.0\.0/16 accept`,
	} {
		if n := len(regexp.MustCompile(re).FindAllString(out, -1)); n != 1 {
			t.Errorf("rule %s appears %d times, want once:\n%s", re, n, out)
		}
	}
}

// TestTableExternalIPsCannotTakeOverInternalAddresses: a service whose
// externalIPs name another service's cluster IP, or a pod's address, gets
// no rule for them, even when its name sorts first (which otherwise wins
// an address two services claim).
func TestTableExternalIPsCannotTakeOverInternalAddresses(t *testing.T) {
	two := []Endpoint{ep("10.42.1.5", 8080, true), ep("10.42.2.7", 8080, false)}
	web := svc("web", "10.43.0.10", port(tcp, 80, two...))
	evil := svc("evil", "10.43.0.30", port(tcp, 80, ep("10.42.3.3", 8080, false)))
	evil.Namespace = "aaa"
	evil.ExternalIPs = []netip.Addr{ip("10.43.0.10"), ip("10.42.1.5"), ip("192.0.2.10")}
	ft := newFakeTable(t)
	ft.sync(t, web, evil)
	elems, err := ft.fake.ListElements(context.Background(), "map", mapServiceIPs)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range elems {
		got[strings.Join(e.Key, " . ")] = strings.Join(e.Value, " ")
	}
	tests := []struct {
		name, key, want string // want: a prefix of the verdict; "" for no element
	}{
		{"victim cluster IP stays the victim's", "10.43.0.10 . tcp . 80", "goto " + objName("svc", "default/web/tcp/80")},
		{"pod address not taken", "10.42.1.5 . tcp . 80", ""},
		{"outside external IP kept", "192.0.2.10 . tcp . 80", "goto " + objName("ext", "aaa/evil/tcp/80")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if v := got[tt.key]; v != tt.want {
				t.Errorf("service-ips[%s]: got %q, want %q", tt.key, v, tt.want)
			}
		})
	}
}

// mapElems is the fake table's map m as key → verdict.
func mapElems(t *testing.T, ft *fakeTable, m string) map[string]string {
	t.Helper()
	elems, err := ft.fake.ListElements(context.Background(), "map", m)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range elems {
		got[strings.Join(e.Key, " . ")] = strings.Join(e.Value, " ")
	}
	return got
}

// TestTableProtectedPorts: a service cannot open the agent's own ports on
// the nodes' addresses, as a load-balancer port, on an external IP, or as
// a node port; its cluster IP keeps the port.
func TestTableProtectedPorts(t *testing.T) {
	cfgd, err := NewTable(TableConfig{ProtectedPorts: []uint16{7947, 7948}})
	if err != nil {
		t.Fatal(err)
	}
	ft := newFakeTable(t)
	ft.protected = cfgd.protected
	two := []Endpoint{ep("10.42.1.5", 8080, true), ep("10.42.2.7", 8080, false)}
	lb := svc("lb", "10.43.0.14", port(tcp, 7947, two...), nodePort(port(tcp, 80, two...), 7948))
	lb.LoadBalancerIPs = []netip.Addr{ip("192.0.2.1")}
	lb.ExternalIPs = []netip.Addr{ip("192.0.2.50")}
	ft.sync(t, lb)
	ips, ports := mapElems(t, ft, mapServiceIPs), mapElems(t, ft, mapServicePorts)
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"cluster IP keeps the port", ips["10.43.0.14 . tcp . 7947"], "goto " + objName("svc", "default/lb/tcp/7947")},
		{"load-balancer IP on an agent port", ips["192.0.2.1 . tcp . 7947"], ""},
		{"external IP on an agent port", ips["192.0.2.50 . tcp . 7947"], ""},
		{"other port on the load-balancer IP", ips["192.0.2.1 . tcp . 80"], "goto " + objName("ext", "default/lb/tcp/80")},
		{"node port that is an agent port", ports["tcp . 7948"], ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

// TestTableRetriesFailedConntrackCleanUp: a conntrack clean-up that fails
// is retried by the next Sync, even one that changes nothing, but not for
// an endpoint that is back by then.
func TestTableRetriesFailedConntrackCleanUp(t *testing.T) {
	dns := func(eps ...Endpoint) Service { return svc("dns", "10.43.0.11", port(udp, 53, eps...)) }
	a, b := ep("10.42.1.3", 53, true), ep("10.42.2.3", 53, false)
	tests := []struct {
		name  string
		third Service // the Sync after the failed one
		want  string  // what its clean-up deletes
	}{
		{"nothing changed", dns(a), "answeredBy [10.42.2.3:53]"},
		{"endpoint back", dns(a, b), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := newFakeTable(t)
			fail := true
			var got []string
			ft.conntrack = func(f ...netlink.CustomConntrackFilter) (uint, error) {
				if fail {
					fail = false
					return 0, errors.New("netlink: no buffer space")
				}
				for _, x := range f {
					got = append(got, x.(*udpFlows).String())
				}
				return 0, nil
			}
			ft.sync(t, dns(a, b))
			if err := ft.Sync(context.Background(), []Service{dns(a)}); err == nil {
				t.Fatal("Sync with a failing conntrack clean-up: got no error, want one")
			}
			ft.sync(t, tt.third)
			if g := strings.Join(got, "; "); g != tt.want {
				t.Errorf("clean-up after the failed one: got %q, want %q", g, tt.want)
			}
		})
	}
}

// TestTableExists: Exists tells an agent whether its table survived a
// restart (a fresh Table value over the kernel's table), and Close removes
// it.
func TestTableExists(t *testing.T) {
	node := newTestNode(t)
	exists := func(tbl *Table) bool {
		t.Helper()
		var got bool
		node.Do(t, func() error {
			var err error
			got, err = tbl.Exists(context.Background())
			return err
		})
		return got
	}
	first := newRealTable(t, node)
	if exists(first) {
		t.Fatal("Exists = true in a new namespace, want false")
	}
	syncIn(t, node, first)
	if again := newRealTable(t, node); !exists(again) {
		t.Fatal("Exists = false for a new Table after a Sync, want true (the restarted agent's view)")
	}
	node.Do(t, first.Close)
	if exists(first) {
		t.Fatal("Exists = true after Close, want false")
	}
}
