package testcluster

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// lan is a private network for a cluster's agents: each agent runs in its
// own network namespace with one interface on a bridge that lives in a
// "switch" namespace; the test process reaches the agents through one
// more veth into that bridge. Nothing in it routes off the machine.
type lan struct {
	id     string // short random tag in every name
	subnet string // "10.99.K" — agents are .1, .2, …; the test host is .254
	sw     string // switch namespace
	hostIf string // test-host side interface (root namespace)
	next   int
}

// NewNetNS returns a cluster whose agents each get their own network
// namespace (and so can run pods with their own bridge, routes and
// nftables). Needs root.
func NewNetNS(t testing.TB, args ...string) *Cluster {
	t.Helper()
	skipShort(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root: agents run in network namespaces")
	}
	// A short directory: containerd's socket path must fit in 108 bytes.
	dir, err := os.MkdirTemp("", "sh")
	if err != nil {
		t.Fatal(err)
	}
	l := newLAN(t)
	c := &Cluster{t: t, bin: Binary(t), dir: dir, Args: args, lan: l}
	// Cleanups run last-in first-out: agents stop, then their leftovers
	// go, then the network and the files.
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	t.Cleanup(l.remove)
	t.Cleanup(c.removeLeftovers)
	t.Cleanup(c.stopAll)
	return c
}

func newLAN(t testing.TB) *lan {
	t.Helper()
	var b [3]byte
	_, _ = rand.Read(b[:])
	l := &lan{id: hex.EncodeToString(b[:2]), subnet: freeSubnet(int(b[2]))}
	l.sw = "shoal-" + l.id + "-sw"
	l.hostIf = "sh" + l.id + "h"
	cmds := [][]string{
		{"ip", "netns", "add", l.sw},
		{"ip", "-n", l.sw, "link", "add", "br0", "type", "bridge"},
		{"ip", "-n", l.sw, "link", "set", "br0", "up"},
		{"ip", "link", "add", l.hostIf, "type", "veth", "peer", "name", "sh" + l.id + "s"},
		{"ip", "link", "set", "sh" + l.id + "s", "netns", l.sw},
		{"ip", "-n", l.sw, "link", "set", "sh" + l.id + "s", "master", "br0", "up"},
		{"ip", "addr", "add", l.subnet + ".254/24", "dev", l.hostIf},
		{"ip", "link", "set", l.hostIf, "up"},
	}
	for _, c := range cmds {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			l.remove()
			t.Fatalf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	return l
}

// freeSubnet picks a 10.99.K subnet, K in 1..250 starting at 1+seed%250,
// that no lan of another test on this machine uses (its test-host
// address 10.99.K.254 is not on any interface): two lans with one subnet
// would send the test host's traffic into the wrong cluster.
func freeSubnet(seed int) string {
	out, _ := exec.Command("ip", "-4", "-o", "addr", "show").Output()
	for i := range 250 {
		subnet := fmt.Sprintf("10.99.%d", 1+(seed+i)%250)
		if !strings.Contains(string(out), " "+subnet+".254/") {
			return subnet
		}
	}
	return fmt.Sprintf("10.99.%d", 1+seed%250)
}

// addHost makes a namespace for agent name and returns it and its IP.
func (l *lan) addHost(t testing.TB, name string) (ns, ip string) {
	t.Helper()
	l.next++
	n := l.next
	ns = fmt.Sprintf("shoal-%s-%s", l.id, name)
	ip = fmt.Sprintf("%s.%d", l.subnet, n)
	a, b := fmt.Sprintf("sh%sa%d", l.id, n), fmt.Sprintf("sh%sb%d", l.id, n)
	cmds := [][]string{
		{"ip", "netns", "add", ns},
		{"ip", "link", "add", a, "type", "veth", "peer", "name", b},
		{"ip", "link", "set", a, "netns", l.sw},
		{"ip", "-n", l.sw, "link", "set", a, "master", "br0", "up"},
		{"ip", "link", "set", b, "netns", ns},
		{"ip", "-n", ns, "link", "set", b, "name", "eth0"},
		{"ip", "-n", ns, "addr", "add", ip + "/24", "dev", "eth0"},
		{"ip", "-n", ns, "link", "set", "eth0", "up"},
		{"ip", "-n", ns, "link", "set", "lo", "up"},
	}
	for _, c := range cmds {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	return ns, ip
}

// remove deletes the namespaces and the test host's interface.
func (l *lan) remove() {
	out, _ := exec.Command("ip", "netns", "list").Output()
	for _, line := range strings.Split(string(out), "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		if strings.HasPrefix(name, "shoal-"+l.id+"-") {
			_ = exec.Command("ip", "netns", "del", name).Run()
		}
	}
	_ = exec.Command("ip", "link", "del", l.hostIf).Run()
}

// NetNS is the agent's network namespace name ("" on loopback clusters).
func (a *Agent) NetNS() string { return a.netns }

// InNetNS runs a command inside the agent's network namespace (the
// agent's "host") and returns its combined output.
func (a *Agent) InNetNS(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "nsenter", append([]string{"--net=/run/netns/" + a.netns, "--", name}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// removeLeftovers kills what the cluster's agents left running (the
// containerd they started, shims, containers: anything in the agents' or
// their pods' network namespaces) and unmounts what they mounted under
// the cluster's directory, so the test leaves the machine as it was.
func (c *Cluster) removeLeftovers() {
	if c.lan == nil {
		return
	}
	inodes := map[uint64]bool{}
	for _, a := range c.Agents {
		addInode(inodes, "/run/netns/"+a.netns)
		files, _ := filepath.Glob(filepath.Join(a.DataDir, "netns", "*"))
		for _, f := range files {
			addInode(inodes, f)
		}
	}
	var ids []string
	for _, a := range c.Agents {
		dirs, _ := filepath.Glob(filepath.Join(a.DataDir, "containerd", "state", "io.containerd.runtime.v2.task", "*", "*"))
		for _, d := range dirs {
			ids = append(ids, filepath.Base(d))
		}
	}
	for range 3 {
		if killInNetNS(inodes) == 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	unmountUnder(c.dir)
	removeCgroups(ids)
}

// removeCgroups removes the (now empty) cgroups of the given containers
// in every controller, and their parent when it is left empty.
func removeCgroups(ids []string) {
	parents, _ := filepath.Glob("/sys/fs/cgroup/*/shoal-*")
	for _, parent := range parents {
		for _, id := range ids {
			for range 10 {
				err := syscall.Rmdir(filepath.Join(parent, id))
				if err == nil || err == syscall.ENOENT {
					break
				}
				time.Sleep(100 * time.Millisecond) // killed tasks still exiting
			}
		}
		_ = syscall.Rmdir(parent)
	}
}

func addInode(set map[uint64]bool, path string) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err == nil {
		set[st.Ino] = true
	}
}

// killInNetNS SIGKILLs every process whose network namespace is one of
// inodes and returns how many it found.
func killInNetNS(inodes map[uint64]bool) int {
	ents, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		var st syscall.Stat_t
		if syscall.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &st) != nil || !inodes[st.Ino] {
			continue
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
		n++
	}
	return n
}

// unmountUnder lazily unmounts every mount point below dir, deepest
// first.
func unmountUnder(dir string) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return
	}
	defer func() { _ = f.Close() }()
	var points []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], dir+"/") {
			points = append(points, fields[4])
		}
	}
	sort.Slice(points, func(i, j int) bool { return len(points[i]) > len(points[j]) })
	for _, p := range points {
		_ = syscall.Unmount(p, syscall.MNT_DETACH)
	}
}

// HostIP is the test process's address on the agents' network ("" on
// loopback clusters): services the test starts there (a registry) are
// reachable from every agent.
func (c *Cluster) HostIP() string {
	if c.lan == nil {
		return ""
	}
	return c.lan.subnet + ".254"
}
