package cni

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/netnstest"

	"github.com/vishvananda/netlink"
)

// testNode is a machine stand-in (see netnstest.Node) with this
// package's helpers.
type testNode struct{ *netnstest.Node }

func newTestNode(t testing.TB) *testNode { return &testNode{netnstest.New(t)} }

// addLAN gives the node a veth pair lan0/lan1 (both ends in the node)
// with addr on lan0: the node's "LAN" address.
func (n *testNode) addLAN(t testing.TB, addr string) {
	t.Helper()
	n.Do(t, func() error {
		veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "lan0"}, PeerName: "lan1"}
		if err := netlink.LinkAdd(veth); err != nil {
			return fmt.Errorf("add veth: %w", err)
		}
		a, err := netlink.ParseAddr(addr)
		if err != nil {
			return err
		}
		if err := netlink.AddrAdd(veth, a); err != nil {
			return fmt.Errorf("address lan0: %w", err)
		}
		return errors.Join(netnstest.LinkUp("lan0"), netnstest.LinkUp("lan1"))
	})
}

// cmd runs a command in the node and returns its output.
func (n *testNode) cmd(t testing.TB, name string, args ...string) string {
	t.Helper()
	var out []byte
	n.Do(t, func() error {
		var err error
		out, err = exec.Command(name, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
		}
		return nil
	})
	return string(out)
}

// serveWhoAmI listens on TCP port (0: any) inside the namespace at path
// and answers every connection with the client's address as it sees it.
// It returns the port.
func serveWhoAmI(t testing.TB, path string, port int) int {
	t.Helper()
	var ln net.Listener
	err := netnstest.InNetNS(path, func() error {
		var err error
		ln, err = net.Listen("tcp4", fmt.Sprintf(":%d", port))
		return err
	})
	if err != nil {
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

// whoAmI dials addr from the calling thread's namespace and returns the
// client address the server saw.
func whoAmI(addr string) (string, error) {
	c, err := net.DialTimeout("tcp4", addr, 3*time.Second)
	if err != nil {
		return "", err
	}
	defer func() { _ = c.Close() }()
	if err := c.SetDeadline(time.Now().Add(3 * time.Second)); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("read from %s: %w", addr, err)
	}
	return strings.TrimSpace(line), nil
}

// exists reports whether path exists.
func exists(t testing.TB, path string) bool {
	t.Helper()
	_, err := os.Lstat(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return err == nil
}

// leases lists host-local's lease files (IP addresses) under dataDir.
func leases(t testing.TB, dataDir string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dataDir, "cni", "ipam", networkName))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if net.ParseIP(e.Name()) != nil {
			out = append(out, e.Name())
		}
	}
	return out
}

// testLogger sends the package's logs to the test's output.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}
