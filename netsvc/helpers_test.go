package netsvc

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/netnstest"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// testNode is a machine stand-in (see netnstest.Node) with this
// package's helpers.
type testNode struct{ *netnstest.Node }

func newTestNode(t testing.TB) *testNode { return &testNode{netnstest.New(t)} }

// run runs a command in the node and returns its combined output.
func (n *testNode) run(name string, args ...string) (string, error) {
	var out []byte
	err := n.Try(func() error {
		var err error
		out, err = exec.Command(name, args...).CombinedOutput()
		return err
	})
	return string(out), err
}

// connect links two nodes with a veth pair: lan0 in a with addrA, lan0 in
// b with addrB (CIDRs).
func connect(t testing.TB, a, b *testNode, addrA, addrB string) {
	t.Helper()
	peerNS, err := netns.GetFromName(b.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = peerNS.Close() }()
	a.Do(t, func() error {
		veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "lan0"}, PeerName: "lan1", PeerNamespace: netlink.NsFd(int(peerNS))}
		if err := netlink.LinkAdd(veth); err != nil {
			return fmt.Errorf("add veth: %w", err)
		}
		return addrUp("lan0", addrA)
	})
	b.Do(t, func() error {
		l, err := netlink.LinkByName("lan1")
		if err != nil {
			return err
		}
		if err := netlink.LinkSetName(l, "lan0"); err != nil {
			return err
		}
		return addrUp("lan0", addrB)
	})
}

func addrUp(link, cidr string) error {
	l, err := netlink.LinkByName(link)
	if err != nil {
		return fmt.Errorf("find %s: %w", link, err)
	}
	a, err := netlink.ParseAddr(cidr)
	if err != nil {
		return err
	}
	if err := netlink.AddrAdd(l, a); err != nil {
		return fmt.Errorf("address %s: %w", link, err)
	}
	return netnstest.LinkUp(link)
}

// ourRoutes lists the node's routes with RouteProtocol, as
// "DST via GW" or "unreachable DST", sorted.
func (n *testNode) ourRoutes(t testing.TB) []string {
	t.Helper()
	var out []string
	n.Do(t, func() error {
		have, err := ours()
		for rt := range have {
			out = append(out, rt.String())
		}
		return err
	})
	slices.Sort(out)
	return out
}

// routeGet is `ip route get dst` in the node: "unreachable" when the
// kernel has no way there, else ip's first line.
func (n *testNode) routeGet(t testing.TB, dst string) string {
	t.Helper()
	out, err := n.run("ip", "route", "get", dst)
	if err != nil {
		if strings.Contains(out, "No route to host") || strings.Contains(out, "unreachable") {
			return "unreachable"
		}
		t.Fatalf("ip route get %s: %v\n%s", dst, err, out)
	}
	line, _, _ := strings.Cut(out, "\n")
	return strings.Join(strings.Fields(line), " ")
}

// serveWhoAmI listens on a TCP port inside the namespace at path and
// answers every connection with the client's address as it sees it. It
// returns the port.
func serveWhoAmI(t testing.TB, path string) int {
	t.Helper()
	var ln net.Listener
	if err := netnstest.InNetNS(path, func() error {
		var err error
		ln, err = net.Listen("tcp4", ":0")
		return err
	}); err != nil {
		t.Fatalf("listen in %s: %v", path, err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = fmt.Fprintln(c, c.RemoteAddr().(*net.TCPAddr).IP)
			_ = c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// whoAmI dials host:port from the calling thread's namespace and returns
// the client address the server saw.
func whoAmI(host string, port int) (string, error) {
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	c, err := net.DialTimeout("tcp4", addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer func() { _ = c.Close() }()
	if err := c.SetDeadline(time.Now().Add(2 * time.Second)); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("read from %s: %w", addr, err)
	}
	return strings.TrimSpace(line), nil
}
