package cni

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// createNetNS makes a new network namespace and binds it at path, so it
// outlives every process in it (the way `ip netns add` does).
func createNetNS(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return fmt.Errorf("cni: create netns file: %w", err)
	}
	_ = f.Close()
	errc := make(chan error, 1)
	go func() {
		// The thread that enters the new namespace never runs other
		// goroutines: if going back fails it dies with this goroutine.
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errc <- fmt.Errorf("cni: current netns: %w", err)
			return
		}
		defer func() { _ = orig.Close() }()
		ns, err := netns.New()
		if err != nil {
			errc <- fmt.Errorf("cni: new netns: %w", err)
			return
		}
		defer func() { _ = ns.Close() }()
		src := fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), unix.Gettid())
		merr := unix.Mount(src, path, "none", unix.MS_BIND, "")
		if err := netns.Set(orig); err != nil {
			errc <- errors.Join(merr, fmt.Errorf("cni: back to the agent's netns: %w", err))
			return // thread stays locked and exits
		}
		runtime.UnlockOSThread()
		if merr != nil {
			errc <- fmt.Errorf("cni: bind netns: %w", merr)
			return
		}
		errc <- nil
	}()
	if err := <-errc; err != nil {
		_ = os.Remove(path)
		return err
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
		return fmt.Errorf("cni: unmount netns: %w", err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cni: remove netns: %w", err)
	}
	return nil
}
