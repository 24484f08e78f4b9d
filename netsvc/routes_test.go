package netsvc

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// inTestNetNS moves the test's thread into a new network namespace with
// one interface (a veth pair) with 10.99.0.1/24, the node's "LAN".
func inTestNetNS(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces")
	}
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("shoalnet-%d", time.Now().UnixNano()%1e9)
	ns, err := netns.NewNamed(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = netns.Set(orig)
		_ = ns.Close()
		_ = orig.Close()
		_ = netns.DeleteNamed(name)
		runtime.UnlockOSThread()
	})
	lan := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "lan0"}, PeerName: "lan1"}
	if err := netlink.LinkAdd(lan); err != nil {
		t.Fatal(err)
	}
	if peer, err := netlink.LinkByName("lan1"); err == nil {
		_ = netlink.LinkSetUp(peer)
	}
	addr, _ := netlink.ParseAddr("10.99.0.1/24")
	if err := netlink.AddrAdd(lan, addr); err != nil {
		t.Fatal(err)
	}
	if err := netlink.LinkSetUp(lan); err != nil {
		t.Fatal(err)
	}
	return name
}

// routeTo describes how the namespace routes dst: "via GW", "unreachable"
// or "direct".
func routeTo(t *testing.T, dst string) string {
	t.Helper()
	rs, err := netlink.RouteGet(net.ParseIP(dst))
	if err != nil {
		if strings.Contains(err.Error(), "unreachable") || err == unix.EHOSTUNREACH || err == unix.ENETUNREACH {
			return "unreachable"
		}
		t.Fatalf("route get %s: %v", dst, err)
	}
	if len(rs) > 0 && rs[0].Gw != nil {
		return "via " + rs[0].Gw.String()
	}
	return "direct"
}

func nftTable(t *testing.T, ns string) string {
	t.Helper()
	out, _ := exec.Command("ip", "netns", "exec", ns, "nft", "list", "table", "ip", tableName).CombinedOutput()
	return string(out)
}

func TestRoutesSyncAndClose(t *testing.T) {
	ns := inTestNetNS(t)
	r, err := NewRoutes(RouteConfig{ClusterCIDR: "10.42.0.0/16", ServiceCIDR: "10.43.0.0/16", LocalPodCIDR: "10.42.1.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	peers := []Peer{
		{Name: "n2", PodCIDR: netip.MustParsePrefix("10.42.2.0/24"), Addr: netip.MustParseAddr("10.99.0.2")},
		{Name: "n3", PodCIDR: netip.MustParsePrefix("10.42.3.0/24"), Addr: netip.MustParseAddr("10.99.0.3")},
		{Name: "self", PodCIDR: netip.MustParsePrefix("10.42.1.0/24"), Addr: netip.MustParseAddr("10.99.0.1")},
		{Name: "bad", Addr: netip.MustParseAddr("10.99.0.9")},
	}
	if err := r.Sync(peers); err != nil {
		t.Fatal(err)
	}
	for dst, want := range map[string]string{
		"10.42.2.7":  "via 10.99.0.2",
		"10.42.3.7":  "via 10.99.0.3",
		"10.42.77.5": "unreachable",
		"10.43.0.10": "unreachable",
	} {
		if got := routeTo(t, dst); got != want {
			t.Errorf("route to %s: %s, want %s", dst, got, want)
		}
	}
	if tbl := nftTable(t, ns); !strings.Contains(tbl, "masquerade") || !strings.Contains(tbl, "10.42.0.0/16") {
		t.Fatalf("nft table:\n%s", tbl)
	}

	// n3 leaves: its route goes, n2's stays.
	if err := r.Sync(peers[:1]); err != nil {
		t.Fatal(err)
	}
	if got := routeTo(t, "10.42.3.7"); got != "unreachable" {
		t.Fatalf("route to a departed peer: %s", got)
	}
	if got := routeTo(t, "10.42.2.7"); got != "via 10.99.0.2" {
		t.Fatalf("route to n2 after n3 left: %s", got)
	}
	// Sync is idempotent.
	if err := r.Sync(peers[:1]); err != nil {
		t.Fatal(err)
	}

	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if got := routeTo(t, "10.42.2.7"); got == "via 10.99.0.2" {
		t.Fatal("route survived Close")
	}
	if tbl := nftTable(t, ns); strings.Contains(tbl, "masquerade") {
		t.Fatalf("nft table survived Close:\n%s", tbl)
	}
}

func TestNewRoutesRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  RouteConfig
		want string
	}{
		{"bad cluster", RouteConfig{ClusterCIDR: "10.42.0.0", LocalPodCIDR: "10.42.1.0/24"}, "ClusterCIDR"},
		{"no local", RouteConfig{}, "LocalPodCIDR"},
		{"ipv6 service", RouteConfig{ServiceCIDR: "fd00::/108", LocalPodCIDR: "10.42.1.0/24"}, "ServiceCIDR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRoutes(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to name %s", err, tt.want)
			}
		})
	}
}
