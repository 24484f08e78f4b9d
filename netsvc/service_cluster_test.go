package netsvc

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/netnstest"
)

// placed is a backend and the node it runs on.
type placed struct {
	backend
	node string
}

// svcSpec is a service as the cluster sees it; forNode makes the Service
// one node programs (Local set for its own backends).
type svcSpec struct {
	name          string
	clusterIP     string
	port          uint16
	nodePort      uint16
	proto         api.Protocol
	backends      []placed
	affinity      time.Duration
	externalLocal bool
}

func (s svcSpec) forNode(node string) Service {
	proto := s.proto
	if proto == "" {
		proto = api.ProtocolTCP
	}
	sp := ServicePort{Protocol: proto, Port: s.port, NodePort: s.nodePort}
	for _, b := range s.backends {
		p := b.tcp
		if proto == api.ProtocolUDP {
			p = b.udp
		}
		sp.Endpoints = append(sp.Endpoints, Endpoint{Addr: netip.MustParseAddr(b.address), Port: p, Local: b.node == node})
	}
	return Service{
		Namespace: "default", Name: s.name, ClusterIP: netip.MustParseAddr(s.clusterIP), Ports: []ServicePort{sp},
		AffinityTimeout: s.affinity, ExternalLocal: s.externalLocal,
	}
}

// TestServices runs services over two nodes with real nftables: pods on
// both, clients in pods, on the nodes themselves and on the other node.
func TestServices(t *testing.T) {
	n1 := newClusterNode(t, "n1", "10.99.0.1", "10.42.1.0/24")
	n2 := newClusterNode(t, "n2", "10.99.0.2", "10.42.2.0/24")
	connect(t, n1.testNode, n2.testNode, "10.99.0.1/24", "10.99.0.2/24")
	n1.sync(t, n1.peer(), n2.peer())
	n2.sync(t, n1.peer(), n2.peer())
	sa, sb, sc := n1.setup(t, "pod-a"), n2.setup(t, "pod-b"), n2.setup(t, "pod-c")
	a := placed{serveBackend(t, "a", sa.NetNSPath, sa.IP.String()), "n1"}
	b := placed{serveBackend(t, "b", sb.NetNSPath, sb.IP.String()), "n2"}
	c := placed{serveBackend(t, "c", sc.NetNSPath, sc.IP.String()), "n2"}

	specs := []svcSpec{
		{name: "web", clusterIP: "10.43.0.10", port: 80, backends: []placed{a, b}},
		{name: "echo", clusterIP: "10.43.0.11", port: 53, proto: api.ProtocolUDP, backends: []placed{a, b}},
		{name: "self", clusterIP: "10.43.0.12", port: 80, backends: []placed{a}},
		{name: "np", clusterIP: "10.43.0.13", port: 80, nodePort: 30080, backends: []placed{a}},
		{name: "local", clusterIP: "10.43.0.14", port: 80, nodePort: 30081, backends: []placed{b}, externalLocal: true},
		{name: "empty", clusterIP: "10.43.0.15", port: 80, nodePort: 30082},
		{name: "sticky", clusterIP: "10.43.0.16", port: 80, backends: []placed{a, b, c}, affinity: time.Hour},
		{name: "empty-udp", clusterIP: "10.43.0.18", port: 53, proto: api.ProtocolUDP},
		{name: "gone", clusterIP: "10.43.0.17", port: 80, backends: []placed{a, b}},
	}
	syncAll := func(specs []svcSpec) {
		t.Helper()
		for _, n := range []*clusterNode{n1, n2} {
			var svcs []Service
			for _, s := range specs {
				svcs = append(svcs, s.forNode(n.name))
			}
			n.syncServices(t, svcs...)
		}
	}
	syncAll(specs)

	// reaches asks addr until every name in want answered (at most 64
	// tries: missing one of two equally likely backends that often has
	// odds of 2^-63).
	reaches := func(t *testing.T, ask func(string, string) (reply, error), from, addr string, want ...string) {
		t.Helper()
		seen := map[string]bool{}
		for range 64 {
			r, err := ask(from, addr)
			if err != nil {
				t.Fatalf("%s: %v", addr, err)
			}
			seen[r.name] = true
			if len(seen) == len(want) {
				break
			}
		}
		for _, w := range want {
			if !seen[w] {
				t.Errorf("%s answered by %v, want every one of %v", addr, keys(seen), want)
			}
		}
		if len(seen) > len(want) {
			t.Errorf("%s answered by %v, want only %v", addr, keys(seen), want)
		}
	}

	t.Run("cluster IP over TCP from a pod reaches both nodes", func(t *testing.T) {
		reaches(t, askTCP, a.netns, "10.43.0.10:80", "a", "b")
	})
	t.Run("cluster IP over UDP from a pod reaches both nodes", func(t *testing.T) {
		reaches(t, askUDP, a.netns, "10.43.0.11:53", "a", "b")
	})
	t.Run("a pod reaching its own service lands on itself", func(t *testing.T) {
		r, err := askTCP(a.netns, "10.43.0.12:80")
		if err != nil {
			t.Fatal(err)
		}
		if r.name != "a" {
			t.Errorf("answered by %s, want a", r.name)
		}
	})
	t.Run("a node process reaches the cluster IP", func(t *testing.T) {
		reaches(t, askTCP, n1.Path(), "10.43.0.10:80", "a", "b")
		reaches(t, askUDP, n2.Path(), "10.43.0.11:53", "a", "b")
	})
	t.Run("node port on a node without the endpoint", func(t *testing.T) {
		// From node 1 to node 2's address: node 2 sends it back to the
		// pod on node 1, masqueraded so the answer returns through it.
		r, err := askTCP(n1.Path(), "10.99.0.2:30080")
		if err != nil {
			t.Fatal(err)
		}
		if r.name != "a" || r.client != "10.99.0.2" {
			t.Errorf("got %s seeing %s, want a seeing node 2 (10.99.0.2)", r.name, r.client)
		}
	})
	t.Run("externalTrafficPolicy Local keeps the client address", func(t *testing.T) {
		r, err := askTCP(n1.Path(), "10.99.0.2:30081")
		if err != nil {
			t.Fatal(err)
		}
		if r.name != "b" || r.client != "10.99.0.1" {
			t.Errorf("got %s seeing %s, want b seeing the client 10.99.0.1", r.name, r.client)
		}
	})
	t.Run("externalTrafficPolicy Local is not answered without a local endpoint", func(t *testing.T) {
		_, err := askTCP(n2.Path(), "10.99.0.1:30081")
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("node 2 to node 1's node port: %v, want a timeout (dropped)", err)
		}
	})
	t.Run("no endpoints is refused at once", func(t *testing.T) {
		for _, tc := range []struct{ from, addr string }{
			{a.netns, "10.43.0.15:80"},
			{n1.Path(), "10.43.0.15:80"},
			{n1.Path(), "10.99.0.2:30082"},
			{a.netns, "10.43.0.99:80"},  // no such service
			{a.netns, "10.43.0.10:443"}, // no such port
			{n1.Path(), "10.43.0.10:443"},
		} {
			if _, err := askTCP(tc.from, tc.addr); !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("%s from %s: %v, want ECONNREFUSED", tc.addr, tc.from, err)
			}
		}
	})
	t.Run("no endpoints is refused at once over UDP", func(t *testing.T) {
		if _, err := askUDP(a.netns, "10.43.0.18:53"); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("10.43.0.18:53 from a pod: %v, want ECONNREFUSED", err)
		}
		// On the node itself the output hook refuses the datagram before
		// it leaves: the write fails.
		if _, err := askUDP(n1.Path(), "10.43.0.18:53"); !errors.Is(err, syscall.ECONNREFUSED) && !errors.Is(err, syscall.EPERM) {
			t.Errorf("10.43.0.18:53 from node 1: %v, want ECONNREFUSED or EPERM", err)
		}
	})
	t.Run("client IP affinity sticks", func(t *testing.T) {
		first, err := askTCP(a.netns, "10.43.0.16:80")
		if err != nil {
			t.Fatal(err)
		}
		for range 20 {
			r, err := askTCP(a.netns, "10.43.0.16:80")
			if err != nil {
				t.Fatal(err)
			}
			if r.name != first.name {
				t.Fatalf("answered by %s after %s, want the same backend every time", r.name, first.name)
			}
		}
	})
	t.Run("an endpoint change leaves established connections alone", func(t *testing.T) {
		var conn net.Conn
		var first reply
		for range 64 { // until a connection lands on b, which stays
			if conn != nil {
				_ = conn.Close()
			}
			err := netnstest.InNetNS(a.netns, func() error {
				var err error
				conn, err = net.DialTimeout("tcp4", "10.43.0.10:80", 2*time.Second)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if first, err = exchange(conn); err != nil {
				t.Fatal(err)
			}
			if first.name == "b" {
				break
			}
		}
		defer func() { _ = conn.Close() }()
		changed := append([]svcSpec(nil), specs...)
		changed[0].backends = []placed{b, c} // a leaves, c joins
		syncAll(changed)
		r, err := exchange(conn)
		if err != nil || r.name != "b" {
			t.Errorf("established connection after the change: %v %v, want b answering", r, err)
		}
		reaches(t, askTCP, a.netns, "10.43.0.10:80", "b", "c")
		// An agent restart: a new Table rewrites the whole table.
		for _, n := range []*clusterNode{n1, n2} {
			tbl, err := NewTable(TableConfig{Logger: testLogger(t)})
			if err != nil {
				t.Fatal(err)
			}
			n.table = tbl
		}
		syncAll(changed)
		if r, err = exchange(conn); err != nil || r.name != "b" {
			t.Errorf("established connection after a restart: %v %v, want b answering", r, err)
		}
		syncAll(specs)
	})
	t.Run("a removed UDP endpoint does not keep its clients", func(t *testing.T) {
		// One socket, so every datagram has the same conntrack entry
		// unless the entry is deleted.
		var conn net.Conn
		err := netnstest.InNetNS(a.netns, func() error {
			var err error
			conn, err = net.Dial("udp4", "10.43.0.11:53")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = conn.Close() }()
		first, err := exchange(conn)
		if err != nil {
			t.Fatal(err)
		}
		changed := append([]svcSpec(nil), specs...)
		other := a
		if first.name == "a" {
			other = b
		}
		changed[1].backends = []placed{other}
		syncAll(changed)
		r, err := exchange(conn)
		if err != nil || r.name != other.name {
			t.Errorf("after %s left the service: %v %v, want %s answering", first.name, r, err, other.name)
		}
		syncAll(specs)
	})
	t.Run("a deleted service leaves nothing behind", func(t *testing.T) {
		syncAll(specs[:len(specs)-1])
		for _, n := range []*clusterNode{n1, n2} {
			rs, err := n.run("nft", "list", "ruleset")
			if err != nil {
				t.Fatalf("nft list ruleset: %v\n%s", err, rs)
			}
			for _, s := range []string{"/gone/", "10.43.0.17"} {
				if strings.Contains(rs, s) {
					t.Errorf("nft list ruleset on %s holds %q after the service left:\n%s", n.name, s, rs)
				}
			}
		}
		if _, err := askTCP(a.netns, "10.43.0.17:80"); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("deleted service: %v, want ECONNREFUSED", err)
		}
	})
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
