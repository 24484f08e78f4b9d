package testcluster

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netns"
)

func TestNetFaultPartitionDrops(t *testing.T) {
	a, b, c, d := &Agent{Name: "a"}, &Agent{Name: "b"}, &Agent{Name: "c"}, &Agent{Name: "d"}
	tests := []struct {
		name   string
		groups [][]*Agent
		want   []string
	}{
		{"one group drops nothing", [][]*Agent{{a, b}}, nil},
		{"one against one", [][]*Agent{{a}, {b}}, []string{"a<-b", "b<-a"}},
		{"one against two", [][]*Agent{{a}, {b, c}}, []string{"a<-b", "a<-c", "b<-a", "c<-a"}},
		{"three groups", [][]*Agent{{a}, {b}, {c, d}}, []string{
			"a<-b", "a<-c", "a<-d", "b<-a", "b<-c", "b<-d", "c<-a", "c<-b", "d<-a", "d<-b",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range nfPartitionDrops(tt.groups) {
				got = append(got, d.to.Name+"<-"+d.from.Name)
			}
			if !nfSameSet(got, tt.want) {
				t.Fatalf("got drops %v, want %v", got, tt.want)
			}
		})
	}
}

func nfSameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestNetFaultRuleset(t *testing.T) {
	got := nfRuleset("eth0", []string{"bb:00:00:00:00:02", "aa:00:00:00:00:01"})
	want := `table netdev shoal_faults
delete table netdev shoal_faults
table netdev shoal_faults {
	chain ingress {
		type filter hook ingress device "eth0" priority -500; policy accept;
		ether saddr aa:00:00:00:00:01 ether type != arp drop
		ether saddr bb:00:00:00:00:02 ether type != arp drop
	}
}
`
	if got != want {
		t.Fatalf("got ruleset\n%s\nwant\n%s", got, want)
	}
}

func TestNetFaultParseBriefMAC(t *testing.T) {
	tests := []struct {
		name, line, want, wantErr string
	}{
		{"veth", "eth0@if12        UP             0A:1b:2c:3d:4e:5f <BROADCAST,MULTICAST,UP,LOWER_UP>\n", "0a:1b:2c:3d:4e:5f", ""},
		{"too short", "eth0 UP\n", "", "want name, state and MAC"},
		{"not a MAC", "eth0 UP 0a:1b:2c <BROADCAST>", "", "is not a MAC address"},
		{"not hex", "eth0 UP 0a:1b:2c:3d:4e:zz <BROADCAST>", "", "is not a MAC address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := nfParseBriefMAC(tt.line)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %q, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// nfHosts makes a lan with two hosts (no agents) and a cluster that
// knows them, owned by t.
func nfHosts(t *testing.T) (*Cluster, *Agent, *Agent) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: hosts are network namespaces")
	}
	l := newLAN(t)
	t.Cleanup(l.remove)
	c := &Cluster{t: t, lan: l}
	for _, name := range []string{"a", "b"} {
		a := &Agent{c: c, Name: name}
		a.netns, a.IP = l.addHost(t, name)
		c.Agents = append(c.Agents, a)
	}
	return c, c.Agents[0], c.Agents[1]
}

// nfUDPIn opens a UDP socket on ip:port inside namespace ns.
func nfUDPIn(t *testing.T, ns, ip string) *net.UDPConn {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = orig.Close() }()
	target, err := netns.GetFromName(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = target.Close() }()
	if err := netns.Set(target); err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip), Port: 9999})
	if err := netns.Set(orig); err != nil {
		panic(fmt.Sprintf("cannot return to the test's network namespace: %v", err))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// nfReaches reports whether a datagram from one socket arrives at the other
// (a few tries, for ARP).
func nfReaches(from, to *net.UDPConn) bool {
	for range 5 {
		_, _ = from.WriteToUDP([]byte("x"), to.LocalAddr().(*net.UDPAddr))
		_ = to.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		buf := make([]byte, 16)
		if _, _, err := to.ReadFromUDP(buf); err == nil {
			// Drain what earlier tries may have left.
			for {
				_ = to.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
				if _, _, err := to.ReadFromUDP(buf); err != nil {
					break
				}
			}
			return true
		}
	}
	return false
}

func TestNetFaults(t *testing.T) {
	skipShort(t)
	t.Parallel()
	c, a, b := nfHosts(t)
	ua, ub := nfUDPIn(t, a.netns, a.IP), nfUDPIn(t, b.netns, b.IP)
	check := func(step string, ab, ba bool) {
		t.Helper()
		if got := nfReaches(ua, ub); got != ab {
			t.Errorf("%s: a→b passes %v, want %v", step, got, ab)
		}
		if got := nfReaches(ub, ua); got != ba {
			t.Errorf("%s: b→a passes %v, want %v", step, got, ba)
		}
	}
	check("before", true, true)
	c.DropFrom(a, b)
	check("a drops b", true, false)
	c.Heal()
	check("healed", true, true)
	c.Partition([]*Agent{a}, []*Agent{b})
	check("partitioned", false, false)
	c.Heal()
	check("healed again", true, true)
	c.Isolate(b)
	check("b isolated", false, false)
	c.Heal()
	c.CutLink(a)
	check("a's link cut", false, false)
	c.RestoreLink(a)
	check("a's link restored", true, true)
}

// TestNetFaultsUndoneAtCleanup: drops and cut links left in place by a
// test are gone once it ends, even when it fails.
func TestNetFaultsUndoneAtCleanup(t *testing.T) {
	skipShort(t)
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	var a, b *Agent
	l := newLAN(t)
	t.Cleanup(l.remove)
	t.Run("leaves faults", func(t *testing.T) {
		c := &Cluster{t: t, lan: l}
		for _, name := range []string{"a", "b"} {
			ag := &Agent{c: c, Name: name}
			ag.netns, ag.IP = l.addHost(t, name)
			c.Agents = append(c.Agents, ag)
		}
		a, b = c.Agents[0], c.Agents[1]
		c.Partition([]*Agent{a}, []*Agent{b})
		c.CutLink(b)
		if !nfHasTable(t, a.netns) {
			t.Fatal("no fault table after Partition")
		}
	})
	for _, ag := range []*Agent{a, b} {
		if nfHasTable(t, ag.netns) {
			t.Errorf("%s: fault table left after the test ended", ag.Name)
		}
	}
	out, err := exec.Command("ip", "-n", b.netns, "-br", "link", "show", "eth0").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "UP") {
		t.Errorf("b's link not up after the test ended: %v %s", err, out)
	}
}

func nfHasTable(t *testing.T, ns string) bool {
	t.Helper()
	out, err := exec.Command("ip", "netns", "exec", ns, "nft", "list", "tables").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list tables in %s: %v %s", ns, err, out)
	}
	return strings.Contains(string(out), nfTable)
}

// nfSleeper is an Agent whose process is a sleep, for the pause helpers;
// it is killed when owner ends.
func nfSleeper(owner *testing.T, c *Cluster) *Agent {
	t := owner
	t.Helper()
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a := &Agent{c: c, Name: "nfSleeper", cmd: cmd, done: make(chan struct{})}
	go func() {
		a.exitErr = cmd.Wait()
		close(a.done)
	}()
	t.Cleanup(a.Kill)
	return a
}

func TestNetFaultPauseResume(t *testing.T) {
	outer := t
	var a *Agent
	t.Run("pause then resume", func(t *testing.T) {
		c := &Cluster{t: t}
		s := nfSleeper(t, c)
		c.Pause(s)
		if st, err := nfProcState(s.PID()); err != nil || st != "T" {
			t.Fatalf("after Pause: state %q, %v; want T", st, err)
		}
		c.Resume(s)
		if st, err := nfProcState(s.PID()); err != nil || st == "T" {
			t.Fatalf("after Resume: state %q, %v; want running or sleeping", st, err)
		}
	})
	t.Run("pause left in place", func(t *testing.T) {
		c := &Cluster{t: t}
		a = nfSleeper(outer, c) // lives past this subtest, to see its state
		c.Pause(a)
	})
	if st, err := nfProcState(a.PID()); err != nil || st == "T" {
		t.Fatalf("state %q, %v after the test that paused it ended; want resumed", st, err)
	}
}
