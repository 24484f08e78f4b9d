package cni

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// createNetNS makes a new network namespace with lo up and binds it at
// path, so it outlives every process in it (the way `ip netns add` does).
func createNetNS(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return fmt.Errorf("cni: create netns file: %w", err)
	}
	if err := f.Close(); err != nil {
		return errors.Join(fmt.Errorf("cni: create netns file: %w", err), removeNetNS(path))
	}
	errc := make(chan error, 1)
	go func() {
		// This thread enters the new namespace and never leaves it: the
		// goroutine ends locked, so the runtime discards the thread
		// instead of handing a thread in the wrong namespace to others.
		runtime.LockOSThread()
		errc <- enterAndBind(path)
	}()
	if err := <-errc; err != nil {
		return errors.Join(err, removeNetNS(path))
	}
	return nil
}

// enterAndBind moves the calling (locked, disposable) thread into a new
// network namespace, brings lo up and binds the namespace at path.
func enterAndBind(path string) error {
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("cni: new netns: %w", err)
	}
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("cni: find lo: %w", err)
	}
	if err := netlink.LinkSetUp(lo); err != nil {
		return fmt.Errorf("cni: bring lo up: %w", err)
	}
	if err := unix.Mount("/proc/thread-self/ns/net", path, "none", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("cni: bind netns at %s: %w", path, err)
	}
	return nil
}

// isNetNS reports whether path is a bound network namespace.
func isNetNS(path string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return false
	}
	return st.Type == unix.NSFS_MAGIC
}

// removeNetNS unbinds and removes the namespace file; nil if absent.
func removeNetNS(path string) error {
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("cni: unmount netns %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cni: remove netns %s: %w", path, err)
	}
	return nil
}
