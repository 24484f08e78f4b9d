package cni

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netns"
)

// inTestNetNS runs the rest of the test on a thread inside a fresh
// network namespace (the "node"), so the machine's own network is never
// touched. CNI plugins forked from this thread inherit it.
func inTestNetNS(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces")
	}
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("shoalcni-%d", time.Now().UnixNano()%1e9)
	ns, err := netns.NewNamed(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = netns.Set(orig)
		_ = ns.Close()
		_ = orig.Close()
		_ = netns.DeleteNamed(name)
		runtime.UnlockOSThread()
	})
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no data dir", Config{PodCIDR: "10.42.0.0/24"}, "DataDir is empty"},
		{"bad cidr", Config{DataDir: t.TempDir(), PodCIDR: "10.42.0.0"}, `pod CIDR "10.42.0.0"`},
		{"ipv6", Config{DataDir: t.TempDir(), PodCIDR: "fd00::/64"}, "want an IPv4 CIDR"},
		{"long bridge", Config{DataDir: t.TempDir(), PodCIDR: "10.42.0.0/24", Bridge: "a-very-long-bridge-name"}, "at most 15 characters"},
		{"no plugins", Config{DataDir: t.TempDir(), PodCIDR: "10.42.0.0/24", PluginDirs: []string{"/nonexistent"}}, "install containernetworking-plugins"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestSetupLookupTeardown(t *testing.T) {
	inTestNetNS(t)
	dir := t.TempDir()
	n, err := New(Config{DataDir: dir, PodCIDR: "10.42.7.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pod := PodRef{UID: "uid-1", Namespace: "default", Name: "web"}
	sb, err := n.Setup(ctx, pod, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Teardown(ctx, pod.UID) })
	if !netip.MustParsePrefix("10.42.7.0/24").Contains(sb.IP) || sb.IP == n.Gateway() {
		t.Fatalf("ip %s not a pod address of 10.42.7.0/24", sb.IP)
	}
	if !isNetNS(sb.NetNSPath) {
		t.Fatalf("%s is not a network namespace", sb.NetNSPath)
	}
	again, err := n.Setup(ctx, pod, nil)
	if err != nil || again.IP != sb.IP {
		t.Fatalf("second Setup: %v, ip %s (first %s)", err, again.IP, sb.IP)
	}

	// A listener inside the pod answers from the node.
	addr := listenIn(t, sb.NetNSPath)
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(sb.IP.String(), addr), 3*time.Second)
	if err != nil {
		t.Fatalf("node → pod: %v", err)
	}
	_ = conn.Close()

	// A restarted agent finds the sandbox.
	n2, err := New(Config{DataDir: dir, PodCIDR: "10.42.7.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := n2.Lookup(pod.UID); !ok || got.IP != sb.IP {
		t.Fatalf("Lookup after restart: %v %v", got, ok)
	}
	if uids, _ := n2.List(); len(uids) != 1 || uids[0] != pod.UID {
		t.Fatalf("List = %v", uids)
	}

	if err := n2.Teardown(ctx, pod.UID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sb.NetNSPath); !os.IsNotExist(err) {
		t.Fatalf("netns file still there: %v", err)
	}
	lease := filepath.Join(dir, "cni", "ipam", networkName, sb.IP.String())
	if _, err := os.Stat(lease); !os.IsNotExist(err) {
		t.Fatalf("lease %s still there: %v", lease, err)
	}
	if err := n2.Teardown(ctx, pod.UID); err != nil {
		t.Fatalf("second Teardown: %v", err)
	}
	if uids, _ := n2.List(); len(uids) != 0 {
		t.Fatalf("List after teardown = %v", uids)
	}
}

// listenIn starts a TCP listener inside the network namespace at path and
// returns its port.
func listenIn(t *testing.T, path string) string {
	t.Helper()
	type res struct {
		ln  net.Listener
		err error
	}
	ch := make(chan res, 1)
	go func() {
		runtime.LockOSThread() // this thread ends in the pod's namespace
		ns, err := netns.GetFromPath(path)
		if err != nil {
			ch <- res{err: err}
			return
		}
		defer func() { _ = ns.Close() }()
		if err := netns.Set(ns); err != nil {
			ch <- res{err: err}
			return
		}
		ln, err := net.Listen("tcp", ":0")
		ch <- res{ln, err}
		if err != nil {
			return
		}
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { _ = r.ln.Close() })
	_, port, _ := net.SplitHostPort(r.ln.Addr().String())
	return port
}

func BenchmarkSetupTeardown(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, _ := netns.Get()
	defer func() { _ = netns.Set(orig) }()
	name := fmt.Sprintf("shoalcnib-%d", time.Now().UnixNano()%1e9)
	ns, err := netns.NewNamed(name)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = ns.Close(); _ = netns.DeleteNamed(name) }()
	n, err := New(Config{DataDir: b.TempDir(), PodCIDR: "10.42.9.0/24"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		uid := fmt.Sprintf("bench-%d", i)
		if _, err := n.Setup(ctx, PodRef{UID: uid, Namespace: "default", Name: uid}, nil); err != nil {
			b.Fatal(err)
		}
		if err := n.Teardown(ctx, uid); err != nil {
			b.Fatal(err)
		}
	}
}
