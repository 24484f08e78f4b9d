package cni

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/internal/netnstest"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sync/errgroup"
)

// newNetwork makes a Network in node with its own data dir and tears down
// every sandbox left when the test ends.
func newNetwork(t testing.TB, node *testNode, podCIDR string) (*Network, string) {
	t.Helper()
	dir := t.TempDir()
	var n *Network
	node.Do(t, func() error {
		var err error
		n, err = New(Config{DataDir: dir, PodCIDR: podCIDR, Logger: testLogger(t)})
		return err
	})
	t.Cleanup(func() {
		if err := node.Try(func() error {
			uids, err := n.List()
			for _, uid := range uids {
				if terr := n.Teardown(context.Background(), uid); terr != nil {
					err = terr
				}
			}
			return err
		}); err != nil {
			t.Errorf("cleanup sandboxes: %v", err)
		}
	})
	return n, dir
}

func setup(t testing.TB, node *testNode, n *Network, uid string, ports ...PortMapping) Sandbox {
	t.Helper()
	var sb Sandbox
	node.Do(t, func() error {
		var err error
		sb, err = n.Setup(context.Background(), PodRef{UID: uid, Namespace: "default", Name: "pod-" + uid}, ports)
		return err
	})
	return sb
}

func teardown(t testing.TB, node *testNode, n *Network, uid string) {
	t.Helper()
	node.Do(t, func() error { return n.Teardown(context.Background(), uid) })
}

func TestSetupGivesThePodANetwork(t *testing.T) {
	node := newTestNode(t)
	n, dir := newNetwork(t, node, "10.42.7.0/24")
	a := setup(t, node, n, "pod-a")

	cidr := netip.MustParsePrefix("10.42.7.0/24")
	if !cidr.Contains(a.IP) || a.IP == n.Gateway() || a.IP == cidr.Addr() {
		t.Errorf("pod ip = %s, want a pod address in %s", a.IP, cidr)
	}
	if want := netip.MustParseAddr("10.42.7.1"); n.Gateway() != want || a.Gateway != want {
		t.Errorf("gateway = %s (sandbox %s), want %s", n.Gateway(), a.Gateway, want)
	}
	if want := filepath.Join(dir, "netns", "pod-a"); a.NetNSPath != want {
		t.Errorf("netns path = %s, want %s", a.NetNSPath, want)
	}

	t.Run("pod interfaces", func(t *testing.T) {
		ns, err := netns.GetFromPath(a.NetNSPath)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = ns.Close() }()
		h, err := netlink.NewHandleAt(ns)
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		eth0, err := h.LinkByName("eth0")
		if err != nil {
			t.Fatal(err)
		}
		addrs, err := h.AddrList(eth0, netlink.FAMILY_V4)
		if err != nil {
			t.Fatal(err)
		}
		want := netip.PrefixFrom(a.IP, 24).String()
		if len(addrs) != 1 || addrs[0].IPNet.String() != want {
			t.Errorf("eth0 addresses = %v, want [%s]", addrs, want)
		}
		lo, err := h.LinkByName("lo")
		if err != nil {
			t.Fatal(err)
		}
		if lo.Attrs().Flags&net.FlagUp == 0 {
			t.Error("lo is down, want up")
		}
	})

	t.Run("node reaches pod", func(t *testing.T) {
		port := serveWhoAmI(t, a.NetNSPath, 0)
		node.Do(t, func() error {
			got, err := whoAmI(net.JoinHostPort(a.IP.String(), strconv.Itoa(port)))
			if err != nil {
				return fmt.Errorf("node → pod: %w", err)
			}
			if got != n.Gateway().String() {
				return fmt.Errorf("pod saw the node as %s, want %s", got, n.Gateway())
			}
			return nil
		})
	})

	t.Run("pods reach each other", func(t *testing.T) {
		b := setup(t, node, n, "pod-b")
		if b.IP == a.IP {
			t.Fatalf("both pods got %s", a.IP)
		}
		port := serveWhoAmI(t, a.NetNSPath, 0)
		err := netnstest.InNetNS(b.NetNSPath, func() error {
			got, err := whoAmI(net.JoinHostPort(a.IP.String(), strconv.Itoa(port)))
			if err != nil {
				return fmt.Errorf("pod b → pod a: %w", err)
			}
			if got != b.IP.String() {
				return fmt.Errorf("pod a saw pod b as %s, want %s (no NAT on the bridge)", got, b.IP)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestNewMakesTheBridge(t *testing.T) {
	node := newTestNode(t)
	newNetwork(t, node, "10.42.7.0/24")
	node.Do(t, func() error {
		br, err := netlink.LinkByName("shoal0")
		if err != nil {
			return err
		}
		addrs, err := netlink.AddrList(br, netlink.FAMILY_V4)
		if err != nil {
			return err
		}
		if br.Type() != "bridge" || br.Attrs().Flags&net.FlagUp == 0 || len(addrs) != 1 || addrs[0].IPNet.String() != "10.42.7.1/24" {
			return fmt.Errorf("shoal0: %s, flags %v, addresses %v; want an up bridge with 10.42.7.1/24", br.Type(), br.Attrs().Flags, addrs)
		}
		return nil
	})
	if got := node.cmd(t, "cat", "/proc/sys/net/ipv4/ip_forward"); strings.TrimSpace(got) != "1" {
		t.Errorf("ip_forward = %q, want 1", got)
	}
}

func TestSetupIsIdempotent(t *testing.T) {
	node := newTestNode(t)
	n, dir := newNetwork(t, node, "10.42.7.0/24")
	first := setup(t, node, n, "pod-a")
	again := setup(t, node, n, "pod-a")
	if again != first {
		t.Errorf("second Setup = %+v, want %+v", again, first)
	}
	if got := leases(t, dir); len(got) != 1 {
		t.Errorf("leases = %v, want one", got)
	}
	uids, err := n.List()
	if err != nil || !slices.Equal(uids, []string{"pod-a"}) {
		t.Errorf("List = %v, %v, want [pod-a]", uids, err)
	}
}

func TestTeardownReleasesEverything(t *testing.T) {
	node := newTestNode(t)
	// A /30 has room for one pod: the second Setup must fail until the
	// first pod's address is released.
	n, dir := newNetwork(t, node, "10.42.7.0/30")
	a := setup(t, node, n, "pod-a")
	if want := netip.MustParseAddr("10.42.7.2"); a.IP != want {
		t.Fatalf("pod ip = %s, want %s", a.IP, want)
	}

	err := node.Try(func() error {
		_, err := n.Setup(context.Background(), PodRef{UID: "pod-b", Namespace: "default", Name: "b"}, nil)
		return err
	})
	if err == nil {
		t.Fatal("Setup with the pod network full: got nil error")
	}
	if exists(t, filepath.Join(dir, "netns", "pod-b")) {
		t.Error("failed Setup left its netns file")
	}
	if uids, _ := n.List(); !slices.Equal(uids, []string{"pod-a"}) {
		t.Errorf("List after failed Setup = %v, want [pod-a]", uids)
	}

	teardown(t, node, n, "pod-a")
	if exists(t, a.NetNSPath) {
		t.Error("netns file still there after Teardown")
	}
	if got := leases(t, dir); len(got) != 0 {
		t.Errorf("leases after Teardown = %v, want none", got)
	}
	if uids, _ := n.List(); len(uids) != 0 {
		t.Errorf("List after Teardown = %v, want none", uids)
	}
	if _, ok := n.Lookup("pod-a"); ok {
		t.Error("Lookup after Teardown found the sandbox")
	}
	teardown(t, node, n, "pod-a")      // again: nothing there
	teardown(t, node, n, "never-seen") // never set up

	if b := setup(t, node, n, "pod-b"); b.IP != a.IP {
		t.Errorf("pod-b ip = %s, want the released %s", b.IP, a.IP)
	}
}

func TestLookupAfterRestart(t *testing.T) {
	node := newTestNode(t)
	n, dir := newNetwork(t, node, "10.42.7.0/24")
	a := setup(t, node, n, "pod-a")

	var restarted *Network
	node.Do(t, func() error {
		var err error
		restarted, err = New(Config{DataDir: dir, PodCIDR: "10.42.7.0/24", Logger: testLogger(t)})
		return err
	})
	if got, ok := restarted.Lookup("pod-a"); !ok || got != a {
		t.Errorf("Lookup = %+v, %v, want %+v", got, ok, a)
	}
	if _, ok := restarted.Lookup("pod-x"); ok {
		t.Error("Lookup of an unknown pod found one")
	}
	if got := setup(t, node, restarted, "pod-a"); got != a {
		t.Errorf("Setup after restart = %+v, want the adopted %+v", got, a)
	}
	if uids, _ := restarted.List(); !slices.Equal(uids, []string{"pod-a"}) {
		t.Errorf("List = %v, want [pod-a]", uids)
	}
	teardown(t, node, restarted, "pod-a")
	if got := leases(t, dir); len(got) != 0 {
		t.Errorf("leases = %v, want none", got)
	}
}

func TestSetupRedoesAHalfMadeSandbox(t *testing.T) {
	node := newTestNode(t)
	n, dir := newNetwork(t, node, "10.42.7.0/24")
	// A crash between creating the netns file and binding it.
	path := filepath.Join(dir, "netns", "pod-a")
	if err := os.WriteFile(path, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	if uids, _ := n.List(); !slices.Equal(uids, []string{"pod-a"}) {
		t.Errorf("List = %v, want the half-made [pod-a]", uids)
	}
	if _, ok := n.Lookup("pod-a"); ok {
		t.Error("Lookup found a half-made sandbox")
	}
	a := setup(t, node, n, "pod-a")
	if !isNetNS(a.NetNSPath) {
		t.Errorf("%s is not a network namespace", a.NetNSPath)
	}
}

func TestHostPortReachesThePod(t *testing.T) {
	node := newTestNode(t)
	node.addLAN(t, "10.99.0.1/24")
	n, _ := newNetwork(t, node, "10.42.7.0/24")
	a := setup(t, node, n, "pod-a", PortMapping{HostPort: 18080, ContainerPort: 8080, Protocol: "TCP"})
	serveWhoAmI(t, a.NetNSPath, 8080)

	for _, addr := range []string{"10.99.0.1:18080", "127.0.0.1:18080"} {
		t.Run(addr, func(t *testing.T) {
			node.Do(t, func() error {
				_, err := whoAmI(addr)
				return err
			})
		})
	}

	teardown(t, node, n, "pod-a")
	if rules := node.cmd(t, "iptables-save", "-t", "nat"); strings.Contains(rules, "CNI-DN-") {
		t.Errorf("portmap rules left after Teardown:\n%s", rules)
	}
	if err := node.Try(func() error { _, err := whoAmI("10.99.0.1:18080"); return err }); err == nil {
		t.Error("host port still answers after Teardown")
	}
}

func TestAgentsShareAMachine(t *testing.T) {
	// Two agents in two namespaces with the same bridge name and pod CIDR:
	// nothing they keep may collide.
	n1, n2 := newTestNode(t), newTestNode(t)
	net1, dir1 := newNetwork(t, n1, "10.42.7.0/24")
	net2, dir2 := newNetwork(t, n2, "10.42.7.0/24")
	a := setup(t, n1, net1, "same-uid")
	b := setup(t, n2, net2, "same-uid")
	if a.IP != b.IP {
		t.Errorf("ips = %s and %s, want the same first address from separate IPAM", a.IP, b.IP)
	}
	if a.NetNSPath == b.NetNSPath || !strings.HasPrefix(a.NetNSPath, dir1) || !strings.HasPrefix(b.NetNSPath, dir2) {
		t.Errorf("netns paths %s and %s, want each under its own data dir", a.NetNSPath, b.NetNSPath)
	}
	teardown(t, n1, net1, "same-uid")
	if _, ok := net2.Lookup("same-uid"); !ok {
		t.Error("tearing down agent 1's pod removed agent 2's")
	}
}

func TestSetupRejectsBadInput(t *testing.T) {
	node := newTestNode(t)
	n, dir := newNetwork(t, node, "10.42.7.0/24")
	tests := []struct {
		name  string
		uid   string
		ports []PortMapping
		want  string
	}{
		{"empty uid", "", nil, "pod uid"},
		{"uid with slash", "../etc", nil, "pod uid"},
		{"protocol", "p", []PortMapping{{HostPort: 80, ContainerPort: 80, Protocol: "ICMP"}}, "ports[0].Protocol"},
		{"host port", "p", []PortMapping{{HostPort: 0, ContainerPort: 80}}, "ports[0].HostPort"},
		{"container port", "p", []PortMapping{{HostPort: 80, ContainerPort: 70000}}, "ports[0].ContainerPort"},
		{"host ip", "p", []PortMapping{{HostPort: 80, ContainerPort: 80}, {HostPort: 81, ContainerPort: 80, HostIP: "nope"}}, "ports[1].HostIP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := node.Try(func() error {
				_, err := n.Setup(context.Background(), PodRef{UID: tt.uid, Namespace: "default", Name: "x"}, tt.ports)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to name %s", err, tt.want)
			}
			if uids, _ := n.List(); len(uids) != 0 {
				t.Errorf("List = %v, want nothing made", uids)
			}
			if got := leases(t, dir); len(got) != 0 {
				t.Errorf("leases = %v, want none", got)
			}
		})
	}
}

func TestConcurrentSetupAndTeardown(t *testing.T) {
	node := newTestNode(t)
	n, dir := newNetwork(t, node, "10.42.7.0/24")
	const pods = 8
	uids := make([]string, pods)
	for i := range uids {
		uids[i] = fmt.Sprintf("pod-%d", i%(pods/2)) // each uid twice: same-pod calls race too
	}
	ips := make([]netip.Addr, pods)
	var g errgroup.Group
	for i, uid := range uids {
		g.Go(func() error {
			return netnstest.InNetNS("/run/netns/"+node.Name, func() error {
				sb, err := n.Setup(context.Background(), PodRef{UID: uid, Namespace: "default", Name: uid}, nil)
				ips[i] = sb.IP
				return err
			})
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	byUID := map[string]netip.Addr{}
	for i, uid := range uids {
		if prev, ok := byUID[uid]; ok && prev != ips[i] {
			t.Errorf("%s got %s and %s", uid, prev, ips[i])
		}
		byUID[uid] = ips[i]
	}
	seen := map[netip.Addr]bool{}
	for _, ip := range byUID {
		if seen[ip] {
			t.Errorf("two pods got %s", ip)
		}
		seen[ip] = true
	}
	if got := leases(t, dir); len(got) != pods/2 {
		t.Errorf("leases = %v, want %d", got, pods/2)
	}
	for _, uid := range uids {
		g.Go(func() error {
			return netnstest.InNetNS("/run/netns/"+node.Name, func() error { return n.Teardown(context.Background(), uid) })
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := leases(t, dir); len(got) != 0 {
		t.Errorf("leases after Teardown = %v, want none", got)
	}
	if got, _ := n.List(); len(got) != 0 {
		t.Errorf("List after Teardown = %v, want none", got)
	}
}
