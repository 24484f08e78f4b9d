package cni

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// testNode is a named network namespace standing in for a machine, with a
// goroutine whose locked thread lives in it: code under test runs there
// (through do) and the test's own network namespace is never touched.
// CNI plugins that code forks inherit the namespace.
type testNode struct {
	name string
	work chan func()
}

// newTestNode makes the namespace, with lo up, and removes it when the
// test ends.
func newTestNode(t testing.TB) *testNode {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces")
	}
	n := &testNode{name: fmt.Sprintf("shoaltest-%08x", rand.Uint32()), work: make(chan func())}
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: the thread ends with the goroutine instead of
		// going back to the pool in the test namespace.
		runtime.LockOSThread()
		ns, err := netns.NewNamed(n.name)
		if err != nil {
			errc <- fmt.Errorf("new netns %s: %w", n.name, err)
			return
		}
		errc <- errors.Join(ns.Close(), linkUp("lo"))
		for f := range n.work {
			f()
		}
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		close(n.work)
		if err := netns.DeleteNamed(n.name); err != nil {
			t.Errorf("delete netns %s: %v", n.name, err)
		}
	})
	return n
}

// do runs f on the node's thread and fails the test if f fails.
func (n *testNode) do(t testing.TB, f func() error) {
	t.Helper()
	if err := n.try(f); err != nil {
		t.Fatal(err)
	}
}

// try runs f on the node's thread.
func (n *testNode) try(f func() error) error {
	errc := make(chan error, 1)
	n.work <- func() { errc <- f() }
	return <-errc
}

// addLAN gives the node a veth pair lan0/lan1 (both ends in the node)
// with addr on lan0: the node's "LAN" address.
func (n *testNode) addLAN(t testing.TB, addr string) {
	t.Helper()
	n.do(t, func() error {
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
		return errors.Join(linkUp("lan0"), linkUp("lan1"))
	})
}

// cmd runs a command in the node and returns its output.
func (n *testNode) cmd(t testing.TB, name string, args ...string) string {
	t.Helper()
	var out []byte
	n.do(t, func() error {
		var err error
		out, err = exec.Command(name, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
		}
		return nil
	})
	return string(out)
}

func linkUp(name string) error {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return fmt.Errorf("find %s: %w", name, err)
	}
	if err := netlink.LinkSetUp(l); err != nil {
		return fmt.Errorf("bring %s up: %w", name, err)
	}
	return nil
}

// inNetNS runs f on a fresh thread inside the namespace bound at path;
// the thread is discarded afterwards.
func inNetNS(path string, f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: see newTestNode
		ns, err := netns.GetFromPath(path)
		if err != nil {
			errc <- fmt.Errorf("open netns %s: %w", path, err)
			return
		}
		defer func() { _ = ns.Close() }()
		if err := netns.Set(ns); err != nil {
			errc <- fmt.Errorf("enter netns %s: %w", path, err)
			return
		}
		errc <- f()
	}()
	return <-errc
}

// serveWhoAmI listens on TCP port (0: any) inside the namespace at path
// and answers every connection with the client's address as it sees it.
// It returns the port.
func serveWhoAmI(t testing.TB, path string, port int) int {
	t.Helper()
	var ln net.Listener
	err := inNetNS(path, func() error {
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
