package netsvc

import (
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// newRoutes makes Routes for a node whose LAN is 10.99.0.1/24 and pod
// network 10.42.1.0/24, and closes them when the test ends.
func newRoutes(t testing.TB, node *testNode) *Routes {
	t.Helper()
	r, err := NewRoutes(RouteConfig{LocalPodCIDR: "10.42.1.0/24", Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := node.Try(r.Close); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return r
}

func TestSyncRoutes(t *testing.T) {
	node, lan := newTestNode(t), newTestNode(t)
	connect(t, node, lan, "10.99.0.1/24", "10.99.0.2/24")
	// A default route, so the unreachable routes must win by being more
	// specific.
	if out, err := node.run("ip", "route", "add", "default", "via", "10.99.0.254"); err != nil {
		t.Fatalf("add default route: %v\n%s", err, out)
	}
	r := newRoutes(t, node)
	if got := node.ourRoutes(t); len(got) != 0 {
		t.Fatalf("routes after NewRoutes = %v, want none: NewRoutes changes nothing", got)
	}

	pfx, addr := netip.MustParsePrefix, netip.MustParseAddr
	n2 := Peer{"n2", pfx("10.42.2.0/24"), addr("10.99.0.2")}
	n3 := Peer{"n3", pfx("10.42.3.0/24"), addr("10.99.0.3")}
	unreachable := []string{"10.43.0.0/16 dev lo", "unreachable 10.42.0.0/16"}
	steps := []struct {
		name  string
		peers []Peer
		want  []string // besides the unreachable routes
	}{
		{"no peers", nil, nil},
		{"two peers", []Peer{n2, n3}, []string{"10.42.2.0/24 via 10.99.0.2", "10.42.3.0/24 via 10.99.0.3"}},
		{"again", []Peer{n3, n2}, []string{"10.42.2.0/24 via 10.99.0.2", "10.42.3.0/24 via 10.99.0.3"}},
		{"skips self and bad peers", []Peer{
			n2,
			{"self", pfx("10.42.1.0/24"), addr("10.99.0.1")},
			{"no cidr", netip.Prefix{}, addr("10.99.0.9")},
			{"no addr", pfx("10.42.9.0/24"), netip.Addr{}},
			{"outside", pfx("192.168.5.0/24"), addr("10.99.0.5")},
			{"twin of n2", pfx("10.42.2.0/25"), addr("10.99.0.6")},
		}, []string{"10.42.2.0/24 via 10.99.0.2"}},
		{"peer moved", []Peer{{"n2", n2.PodCIDR, addr("10.99.0.7")}}, []string{"10.42.2.0/24 via 10.99.0.7"}},
		{"peer left", nil, nil},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			node.Do(t, func() error { return r.Sync(s.peers) })
			want := append(slices.Clone(s.want), unreachable...)
			slices.Sort(want)
			if got := node.ourRoutes(t); !slices.Equal(got, want) {
				t.Errorf("routes = %q, want %q", got, want)
			}
		})
	}

	node.Do(t, func() error { return r.Sync([]Peer{n2}) })
	for dst, want := range map[string]string{
		"10.42.2.7":  "10.42.2.7 via 10.99.0.2 dev lan0 src 10.99.0.1 uid 0",
		"10.42.77.5": "unreachable",                           // unknown pod network
		"10.43.0.10": "10.43.0.10 dev lo src 10.99.0.1 uid 0", // service IPs: Table DNATs or refuses them
	} {
		if got := node.routeGet(t, dst); got != want {
			t.Errorf("ip route get %s = %q, want %q", dst, got, want)
		}
	}

	node.Do(t, r.Close)
	if got := node.ourRoutes(t); len(got) != 0 {
		t.Errorf("routes after Close = %v, want none", got)
	}
	if got, want := node.routeGet(t, "10.42.2.7"), "10.42.2.7 via 10.99.0.254 dev lan0 src 10.99.0.1 uid 0"; got != want {
		t.Errorf("ip route get 10.42.2.7 after Close = %q, want the default route's %q", got, want)
	}
	node.Do(t, r.Close) // again: nothing there
}

func TestSyncLeavesOthersAlone(t *testing.T) {
	node, lan := newTestNode(t), newTestNode(t)
	connect(t, node, lan, "10.99.0.1/24", "10.99.0.2/24")
	if out, err := node.run("ip", "route", "add", "10.42.9.0/24", "via", "10.99.0.9", "proto", "static"); err != nil {
		t.Fatalf("add a foreign route: %v\n%s", err, out)
	}
	r := newRoutes(t, node)
	node.Do(t, func() error { return r.Sync(nil) })
	node.Do(t, r.Close)
	if got := node.routeGet(t, "10.42.9.1"); !strings.Contains(got, "via 10.99.0.9") {
		t.Errorf("foreign route after Sync and Close: %q, want it kept", got)
	}
}

// testLogger sends the package's logs to the test's output.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}
