package netsvc

import (
	"net/netip"
	"strings"
	"testing"
)

func TestRouteConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  RouteConfig
		want string // "" = valid
	}{
		{"defaults", RouteConfig{LocalPodCIDR: "10.42.1.0/24"}, ""},
		{"explicit", RouteConfig{ClusterCIDR: "10.200.0.0/16", ServiceCIDR: "10.96.0.0/12", LocalPodCIDR: "10.200.7.0/24"}, ""},
		{"cluster without bits", RouteConfig{ClusterCIDR: "10.42.0.0", LocalPodCIDR: "10.42.1.0/24"}, `ClusterCIDR "10.42.0.0"`},
		{"cluster host bits", RouteConfig{ClusterCIDR: "10.42.0.1/16", LocalPodCIDR: "10.42.1.0/24"}, "did you mean 10.42.0.0/16"},
		{"cluster everything", RouteConfig{ClusterCIDR: "0.0.0.0/0", LocalPodCIDR: "10.42.1.0/24"}, "ClusterCIDR \"0.0.0.0/0\": covers every address"},
		{"service ipv6", RouteConfig{ServiceCIDR: "fd00::/108", LocalPodCIDR: "10.42.1.0/24"}, `ServiceCIDR "fd00::/108"`},
		{"service overlaps cluster", RouteConfig{ServiceCIDR: "10.42.128.0/17", LocalPodCIDR: "10.42.1.0/24"}, "ServiceCIDR 10.42.128.0/17 overlaps ClusterCIDR"},
		{"no local", RouteConfig{}, `LocalPodCIDR ""`},
		{"local outside cluster", RouteConfig{LocalPodCIDR: "10.9.1.0/24"}, "LocalPodCIDR 10.9.1.0/24: want a network inside ClusterCIDR"},
		{"local is the cluster", RouteConfig{LocalPodCIDR: "10.42.0.0/16"}, "LocalPodCIDR 10.42.0.0/16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.want)
			}
			if _, nerr := NewRoutes(tt.cfg); (nerr == nil) != (err == nil) {
				t.Fatalf("NewRoutes() = %v, Validate() = %v: want the same verdict", nerr, err)
			}
		})
	}
}

func TestPeerProblem(t *testing.T) {
	rc, err := RouteConfig{LocalPodCIDR: "10.42.1.0/24"}.parse()
	if err != nil {
		t.Fatal(err)
	}
	pfx, addr := netip.MustParsePrefix, netip.MustParseAddr
	tests := []struct {
		name string
		peer Peer
		want string // "" = routable
	}{
		{"good", Peer{"n2", pfx("10.42.2.0/24"), addr("10.99.0.2")}, ""},
		{"no cidr", Peer{"n2", netip.Prefix{}, addr("10.99.0.2")}, "not an IPv4 network"},
		{"host bits", Peer{"n2", pfx("10.42.2.9/24"), addr("10.99.0.2")}, "not an IPv4 network"},
		{"outside cluster", Peer{"n2", pfx("10.50.2.0/24"), addr("10.99.0.2")}, "not inside the cluster CIDR"},
		{"whole cluster", Peer{"n2", pfx("10.42.0.0/16"), addr("10.99.0.2")}, "not inside the cluster CIDR"},
		{"ours", Peer{"n1", pfx("10.42.1.0/24"), addr("10.99.0.1")}, "overlaps this node's"},
		{"no addr", Peer{"n2", pfx("10.42.2.0/24"), netip.Addr{}}, "not a unicast IPv4 address"},
		{"loopback addr", Peer{"n2", pfx("10.42.2.0/24"), addr("127.0.0.1")}, "not a unicast IPv4 address"},
		{"ipv6 addr", Peer{"n2", pfx("10.42.2.0/24"), addr("fd00::2")}, "not a unicast IPv4 address"},
		{"addr in cluster", Peer{"n2", pfx("10.42.2.0/24"), addr("10.42.9.9")}, "inside the cluster or service CIDR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rc.peerProblem(tt.peer)
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Fatalf("peerProblem(%v) = %q, want %q", tt.peer, got, tt.want)
			}
		})
	}
}

// FuzzRouteConfig: parsing never panics, and an accepted config has
// disjoint IPv4 cluster and service ranges with the local network inside
// the cluster's.
func FuzzRouteConfig(f *testing.F) {
	f.Add("10.42.0.0/16", "10.43.0.0/16", "10.42.1.0/24")
	f.Add("", "", "10.42.1.0/24")
	f.Add("10.42.0.0", "fd00::/108", "")
	f.Add("0.0.0.0/0", "10.43.0.0/16", "10.42.0.0/16")
	f.Fuzz(func(t *testing.T, cluster, service, local string) {
		rc, err := RouteConfig{ClusterCIDR: cluster, ServiceCIDR: service, LocalPodCIDR: local}.parse()
		if err != nil {
			return
		}
		if !rc.cluster.Addr().Is4() || !rc.service.Addr().Is4() || rc.cluster.Overlaps(rc.service) {
			t.Fatalf("accepted cluster %s, service %s", rc.cluster, rc.service)
		}
		if !rc.cluster.Contains(rc.local.Addr()) || rc.local.Bits() <= rc.cluster.Bits() {
			t.Fatalf("accepted local %s outside cluster %s", rc.local, rc.cluster)
		}
	})
}
