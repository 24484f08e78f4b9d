package netsvc

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/internal/netnstest"

	"github.com/shoal-dev/shoal/agent/runtime/cni"
)

// clusterNode is a test node running a pod network, Routes and Table, as
// an agent does.
type clusterNode struct {
	*testNode
	name    string
	addr    netip.Addr
	podCIDR netip.Prefix
	net     *cni.Network
	routes  *Routes
	table   *Table
}

func newClusterNode(t *testing.T, name, addr, podCIDR string) *clusterNode {
	t.Helper()
	n := &clusterNode{testNode: newTestNode(t), name: name, addr: netip.MustParseAddr(addr), podCIDR: netip.MustParsePrefix(podCIDR)}
	dir := t.TempDir()
	n.Do(t, func() error {
		var err error
		if n.net, err = cni.New(cni.Config{DataDir: dir, PodCIDR: podCIDR, Logger: testLogger(t)}); err != nil {
			return err
		}
		if n.routes, err = NewRoutes(RouteConfig{LocalPodCIDR: podCIDR, Logger: testLogger(t)}); err != nil {
			return err
		}
		n.table, err = NewTable(TableConfig{Logger: testLogger(t)})
		return err
	})
	t.Cleanup(func() {
		err := n.Try(func() error {
			uids, err := n.net.List()
			for _, uid := range uids {
				if terr := n.net.Teardown(context.Background(), uid); terr != nil {
					err = terr
				}
			}
			if cerr := n.routes.Close(); cerr != nil {
				err = cerr
			}
			if cerr := n.table.Close(); cerr != nil {
				err = cerr
			}
			return err
		})
		if err != nil {
			t.Errorf("clean up %s: %v", name, err)
		}
	})
	return n
}

func (n *clusterNode) peer() Peer { return Peer{Name: n.Name, PodCIDR: n.podCIDR, Addr: n.addr} }

// sync syncs the node's routes with peers and its table with no
// services.
func (n *clusterNode) sync(t *testing.T, peers ...Peer) {
	t.Helper()
	n.Do(t, func() error { return n.routes.Sync(peers) })
	n.syncServices(t)
}

// syncServices syncs the node's table with svcs.
func (n *clusterNode) syncServices(t testing.TB, svcs ...Service) {
	t.Helper()
	n.Do(t, func() error { return n.table.Sync(context.Background(), svcs) })
}

func (n *clusterNode) setup(t *testing.T, uid string) cni.Sandbox {
	t.Helper()
	var sb cni.Sandbox
	n.Do(t, func() error {
		var err error
		sb, err = n.net.Setup(context.Background(), cni.PodRef{UID: uid, Namespace: "default", Name: uid}, nil)
		return err
	})
	return sb
}

func TestPodsReachAcrossNodes(t *testing.T) {
	n1 := newClusterNode(t, "n1", "10.99.0.1", "10.42.1.0/24")
	n2 := newClusterNode(t, "n2", "10.99.0.2", "10.42.2.0/24")
	connect(t, n1.testNode, n2.testNode, "10.99.0.1/24", "10.99.0.2/24")
	// Each node gets the full member list, itself included, as the agent
	// passes it.
	n1.sync(t, n1.peer(), n2.peer())
	n2.sync(t, n1.peer(), n2.peer())

	a, b := n1.setup(t, "pod-a"), n2.setup(t, "pod-b")
	portA, portB := serveWhoAmI(t, a.NetNSPath), serveWhoAmI(t, b.NetNSPath)
	portN2 := serveWhoAmI(t, n2.Path()) // a server on node 2 itself, outside the cluster CIDR

	tests := []struct {
		name   string
		fromNS string // namespace path the client runs in
		to     string
		port   int
		seenAs string // client address the server must see
	}{
		{"pod on node 1 to pod on node 2", a.NetNSPath, b.IP.String(), portB, a.IP.String()},
		{"pod on node 2 to pod on node 1", b.NetNSPath, a.IP.String(), portA, b.IP.String()},
		{"node 1 to pod on node 2", n1.Path(), b.IP.String(), portB, "10.99.0.1"},
		{"node 2 to pod on node 1", n2.Path(), a.IP.String(), portA, "10.99.0.2"},
		{"pod leaving the cluster is masqueraded", a.NetNSPath, "10.99.0.2", portN2, "10.99.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			err := netnstest.InNetNS(tt.fromNS, func() error {
				var err error
				got, err = whoAmI(tt.to, tt.port)
				return err
			})
			if err != nil {
				t.Fatalf("dial %s:%d: %v", tt.to, tt.port, err)
			}
			if got != tt.seenAs {
				t.Errorf("server saw the client as %s, want %s", got, tt.seenAs)
			}
		})
	}

	t.Run("unknown pod network is unreachable", func(t *testing.T) {
		for _, dst := range []string{"10.42.77.5"} {
			if got := n1.routeGet(t, dst); got != "unreachable" {
				t.Errorf("ip route get %s on node 1 = %q, want unreachable", dst, got)
			}
		}
	})

	t.Run("peer removed", func(t *testing.T) {
		n1.sync(t, n1.peer())
		if got := n1.routeGet(t, b.IP.String()); got != "unreachable" {
			t.Errorf("ip route get %s on node 1 = %q, want unreachable", b.IP, got)
		}
		err := netnstest.InNetNS(a.NetNSPath, func() error {
			_, err := whoAmI(b.IP.String(), portB)
			return err
		})
		if err == nil {
			t.Error("pod on node 1 still reaches pod on node 2")
		}
		n1.sync(t, n1.peer(), n2.peer())
		if err := netnstest.InNetNS(a.NetNSPath, func() error { _, err := whoAmI(b.IP.String(), portB); return err }); err != nil {
			t.Errorf("after the peer came back: %v", err)
		}
	})

	t.Run("close", func(t *testing.T) {
		n1.Do(t, n1.routes.Close)
		if got := n1.ourRoutes(t); len(got) != 0 {
			t.Errorf("routes on node 1 after Close = %v, want none", got)
		}
	})
}

// TestForwardPolicyDrop: a host whose iptables FORWARD policy is DROP (as
// Docker sets it) still forwards pod traffic between nodes after Sync, and
// Close takes Shoal's accept rules away again.
func TestForwardPolicyDrop(t *testing.T) {
	n1 := newClusterNode(t, "n1", "10.99.0.1", "10.42.1.0/24")
	n2 := newClusterNode(t, "n2", "10.99.0.2", "10.42.2.0/24")
	connect(t, n1.testNode, n2.testNode, "10.99.0.1/24", "10.99.0.2/24")
	for _, n := range []*clusterNode{n1, n2} {
		if out, err := n.run("iptables", "-P", "FORWARD", "DROP"); err != nil {
			t.Fatalf("iptables -P FORWARD DROP: %v\n%s", err, out)
		}
	}
	n1.sync(t, n2.peer())
	n2.sync(t, n1.peer())
	a, b := n1.setup(t, "pod-a"), n2.setup(t, "pod-b")
	portB := serveWhoAmI(t, b.NetNSPath)
	dial := func() error {
		return netnstest.InNetNS(a.NetNSPath, func() error { _, err := whoAmI(b.IP.String(), portB); return err })
	}
	if err := dial(); err != nil {
		t.Fatalf("pod on node 1 to pod on node 2 with FORWARD policy DROP: %v", err)
	}
	n1.sync(t, n2.peer()) // again: no second copy of the rules
	if rules, _ := n1.run("iptables", "-S", "FORWARD"); strings.Count(rules, forwardComment) != 2 {
		t.Errorf("iptables FORWARD on node 1:\n%s\nwant our two accept rules once", rules)
	}
	n1.Do(t, n1.routes.Close)
	if rules, _ := n1.run("iptables", "-S", "FORWARD"); strings.Contains(rules, forwardComment) {
		t.Errorf("iptables FORWARD on node 1 after Close:\n%s\nwant our rules gone", rules)
	}
}
