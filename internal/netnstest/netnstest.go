// Package netnstest gives tests a network namespace standing in for a
// machine, so code that changes links, routes and nftables runs for real
// without touching the test's own network.
package netnstest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// Node is a named network namespace with a goroutine whose locked thread
// lives in it: code under test runs there (through Do), and processes it
// forks inherit the namespace.
type Node struct {
	Name string
	work chan func()
}

// New makes the namespace, with lo up, and deletes it (and with it every
// link, route and nftables table in it) when the test ends. It skips the
// test when not root.
func New(t testing.TB) *Node {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces")
	}
	n := &Node{Name: fmt.Sprintf("shoaltest-%08x", rand.Uint32()), work: make(chan func())}
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: the thread ends with the goroutine instead of
		// going back to the pool in the test namespace.
		runtime.LockOSThread()
		ns, err := netns.NewNamed(n.Name)
		if err != nil {
			errc <- fmt.Errorf("new netns %s: %w", n.Name, err)
			return
		}
		errc <- errors.Join(ns.Close(), LinkUp("lo"))
		for f := range n.work {
			f()
		}
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		close(n.work)
		if err := netns.DeleteNamed(n.Name); err != nil {
			t.Errorf("delete netns %s: %v", n.Name, err)
		}
	})
	return n
}

// Path is where the namespace is bound.
func (n *Node) Path() string { return "/run/netns/" + n.Name }

// Do runs f on the node's thread and fails the test if f fails.
func (n *Node) Do(t testing.TB, f func() error) {
	t.Helper()
	if err := n.Try(f); err != nil {
		t.Fatal(err)
	}
}

// Try runs f on the node's thread.
func (n *Node) Try(f func() error) error {
	errc := make(chan error, 1)
	n.work <- func() { errc <- f() }
	return <-errc
}

// LinkUp brings the named link of the current namespace up.
func LinkUp(name string) error {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return fmt.Errorf("find %s: %w", name, err)
	}
	if err := netlink.LinkSetUp(l); err != nil {
		return fmt.Errorf("bring %s up: %w", name, err)
	}
	return nil
}

// InNetNS runs f on a thread inside the namespace bound at path, then
// moves the thread back to the namespace it came from and returns it to
// the runtime. Discarding the thread instead (leaving it locked) would
// kill every child process the test forked from it earlier with
// Pdeathsig, such as the agents of internal/testcluster: the parent-death
// signal follows the forking thread, not the process. Only a thread that
// cannot be moved back is discarded.
func InNetNS(path string, f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("current netns: %w", err)
			return
		}
		defer func() { _ = orig.Close() }()
		ns, err := netns.GetFromPath(path)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("open netns %s: %w", path, err)
			return
		}
		defer func() { _ = ns.Close() }()
		if err := netns.Set(ns); err != nil {
			runtime.UnlockOSThread() // setns changed nothing
			errc <- fmt.Errorf("enter netns %s: %w", path, err)
			return
		}
		ferr := f()
		if err := netns.Set(orig); err == nil {
			runtime.UnlockOSThread()
		}
		errc <- ferr
	}()
	return <-errc
}
