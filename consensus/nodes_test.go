package consensus

import (
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/pki"
)

// openSingleNode bootstraps a one-voter Raft node on loopback with fast
// timings and waits until it leads.
func openSingleNode(t testing.TB) *Node {
	t.Helper()
	ca, err := pki.NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	n := openNode(t, ca, "n1", true, true)
	waitLeader(t, n)
	return n
}

// openNode opens a Raft node named name on loopback with a certificate of
// ca; bootstrap makes it a new one-voter cluster. fast shortens Raft's
// timeouts for tests; without it they are the agents' (hashicorp/raft's
// defaults), so that a loaded machine does not flap leadership in a
// benchmark.
func openNode(t testing.TB, ca *pki.CA, name string, bootstrap, fast bool) *Node {
	t.Helper()
	key, csr, err := pki.NewKeyAndCSR(name)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Sign(csr, name, []net.IP{net.IPv4(127, 0, 0, 1)}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	id, err := pki.NewNodeTLS(ca, cert, key)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		ID: name, Dir: t.TempDir(), BindAddr: "127.0.0.1:0",
		ServerTLS: id.MutualServerConfig(), ClientTLS: id.ClientConfig(),
		Bootstrap: bootstrap,
		Logger:    slog.New(slog.DiscardHandler),
	}
	if fast {
		cfg.HeartbeatTimeout, cfg.ElectionTimeout, cfg.LeaderLeaseTimeout = 100*time.Millisecond, 100*time.Millisecond, 50*time.Millisecond
	}
	n, err := Open(cfg, NewStore())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("close %s: %v", name, err)
		}
	})
	return n
}

func waitLeader(t testing.TB, n *Node) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !n.IsLeader() {
		if time.Now().After(deadline) {
			t.Fatal("node did not become leader in 20 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// openThreeNodes starts a three-voter cluster on loopback with the
// agents' Raft timings: the first node leads, the others are added as
// voters.
func openThreeNodes(t testing.TB) []*Node {
	t.Helper()
	ca, err := pki.NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	leader := openNode(t, ca, "n1", true, false)
	waitLeader(t, leader)
	nodes := []*Node{leader}
	for _, name := range []string{"n2", "n3"} {
		n := openNode(t, ca, name, false, false)
		if err := leader.Execute(VoterAction{Op: OpPromote, ID: name, Address: n.LocalAddr()}); err != nil {
			t.Fatalf("add voter %s: %v", name, err)
		}
		nodes = append(nodes, n)
	}
	return nodes
}
