package cni

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

// nsIno is the inode of the namespace bound at path: the namespace's
// identity.
func nsIno(t *testing.T, path string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

func prepare(t *testing.T, node *testNode, n *Network, uid string) string {
	t.Helper()
	var path string
	node.Do(t, func() error {
		var err error
		path, err = n.PrepareNetNS(uid)
		return err
	})
	return path
}

// TestPrepareNetNSThenSetup checks that Setup keeps the namespace
// PrepareNetNS made (a container created in it meanwhile is in the pod's
// network), that preparing twice or after Setup changes nothing, and that
// Teardown releases the address.
func TestPrepareNetNSThenSetup(t *testing.T) {
	node := newTestNode(t)
	n, dir := newNetwork(t, node, "10.42.7.0/24")
	path := prepare(t, node, n, "pod-a")
	if want := filepath.Join(dir, "netns", "pod-a"); path != want || !isNetNS(path) {
		t.Fatalf("PrepareNetNS = %s (netns %v), want a namespace at %s", path, isNetNS(path), want)
	}
	ino := nsIno(t, path)
	if again := prepare(t, node, n, "pod-a"); again != path || nsIno(t, again) != ino {
		t.Error("a second PrepareNetNS made a new namespace")
	}
	if got := leases(t, dir); len(got) != 0 {
		t.Errorf("leases after PrepareNetNS = %v, want none (no CNI ADD yet)", got)
	}
	sb := setup(t, node, n, "pod-a")
	if sb.NetNSPath != path || nsIno(t, path) != ino {
		t.Errorf("Setup made a new namespace; want the prepared one kept")
	}
	if !sb.IP.IsValid() {
		t.Errorf("Setup gave no IP: %+v", sb)
	}
	if again := prepare(t, node, n, "pod-a"); again != path || nsIno(t, again) != ino {
		t.Error("PrepareNetNS after Setup replaced the sandbox's namespace")
	}
	if got, ok := n.Lookup("pod-a"); !ok || got != sb {
		t.Errorf("Lookup = %+v, %v, want %+v", got, ok, sb)
	}
	teardown(t, node, n, "pod-a")
	if exists(t, path) || len(leases(t, dir)) != 0 {
		t.Errorf("after Teardown: netns file %v, leases %v; want neither", exists(t, path), leases(t, dir))
	}
}

// TestPreparedNetNSTornDown checks that a prepared namespace whose pod
// never got Setup is listed (for garbage collection) and removed by
// Teardown, with nothing to release, and that one left by an earlier
// agent (prepared in another process) is made again by Setup.
func TestPreparedNetNSTornDown(t *testing.T) {
	node := newTestNode(t)
	n, dir := newNetwork(t, node, "10.42.7.0/24")
	path := prepare(t, node, n, "pod-a")
	if uids, _ := n.List(); !slices.Equal(uids, []string{"pod-a"}) {
		t.Errorf("List = %v, want [pod-a]", uids)
	}
	teardown(t, node, n, "pod-a")
	if exists(t, path) {
		t.Error("prepared namespace still there after Teardown")
	}

	// A namespace prepared by an agent that then died: the new agent's
	// Setup must not trust it (it may be half set up) and makes it anew.
	prepare(t, node, n, "pod-b")
	var restarted *Network
	node.Do(t, func() error {
		var err error
		restarted, err = New(Config{DataDir: dir, PodCIDR: "10.42.7.0/24", Logger: testLogger(t)})
		return err
	})
	old := nsIno(t, filepath.Join(dir, "netns", "pod-b"))
	sb := setup(t, node, restarted, "pod-b")
	if nsIno(t, sb.NetNSPath) == old {
		t.Error("Setup after a restart kept a namespace it did not prepare")
	}
	teardown(t, node, restarted, "pod-b")
	if got := leases(t, dir); len(got) != 0 {
		t.Errorf("leases = %v, want none", got)
	}
	if _, err := os.Lstat(sb.NetNSPath); !os.IsNotExist(err) {
		t.Errorf("netns file after Teardown: %v", err)
	}
}

// TestPrepareNetNSRejectsBadUID checks the uid is checked as in Setup.
func TestPrepareNetNSRejectsBadUID(t *testing.T) {
	node := newTestNode(t)
	n, _ := newNetwork(t, node, "10.42.7.0/24")
	for _, uid := range []string{"", "../x", "a/b"} {
		t.Run(uid, func(t *testing.T) {
			if err := node.Try(func() error { _, err := n.PrepareNetNS(uid); return err }); err == nil {
				t.Errorf("PrepareNetNS(%q) = nil error", uid)
			}
		})
	}
}
