package testcluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Network and process faults for NewNetNS clusters: cut an agent's link,
// partition groups of agents (both ways or one way), heal, and pause an
// agent (SIGSTOP) and resume it. Every fault is undone by a t.Cleanup even
// when the test fails; the namespaces (and so the nftables tables in
// them) go when the cluster's network is removed.
//
// A partition drops, at the receiving agent's eth0 (an nftables netdev
// ingress hook, before anything else sees the frame), every non-ARP frame
// whose source MAC is the sending agent's: the agents' own traffic and the
// pod traffic routed through them alike. ARP still passes, so a one-way
// cut stays one-way: A keeps resolving B and reaching it while B's frames
// to A are lost.

// faultTable is the nftables table (netdev family) that holds an agent's
// drops; nothing else uses the name.
const faultTable = "shoal_faults"

// netFaults is one cluster's fault state: which agent drops which peers'
// frames, which links are down, which agents are paused.
type netFaults struct {
	mu     sync.Mutex
	drops  map[*Agent]map[*Agent]bool // receiver → senders it drops
	down   map[*Agent]bool
	paused map[*Agent]bool
}

var (
	faultsMu  sync.Mutex
	faultsFor = map[*Cluster]*netFaults{}
)

// faults returns the cluster's fault state, making it (and the cleanup
// that undoes every fault) on first use.
func (c *Cluster) faults() *netFaults {
	faultsMu.Lock()
	defer faultsMu.Unlock()
	f := faultsFor[c]
	if f == nil {
		f = &netFaults{drops: map[*Agent]map[*Agent]bool{}, down: map[*Agent]bool{}, paused: map[*Agent]bool{}}
		faultsFor[c] = f
		// Registered after NewNetNS's own cleanups, so it runs before
		// them: agents are resumed and reachable again before they stop.
		c.t.Cleanup(func() {
			for _, err := range c.undoFaults() {
				c.t.Logf("undo faults: %v", err)
			}
			faultsMu.Lock()
			delete(faultsFor, c)
			faultsMu.Unlock()
		})
	}
	return f
}

// undoFaults resumes paused agents, brings links up and removes every
// drop, and returns what failed.
func (c *Cluster) undoFaults() []error {
	f := c.faults()
	f.mu.Lock()
	defer f.mu.Unlock()
	var errs []error
	for a := range f.paused {
		if !a.Running() {
			continue
		}
		if err := a.signal(syscall.SIGCONT); err != nil {
			errs = append(errs, fmt.Errorf("resume %s: %w", a.Name, err))
		}
	}
	f.paused = map[*Agent]bool{}
	for a := range f.down {
		if err := setLink(a, "up"); err != nil {
			errs = append(errs, err)
		}
	}
	f.down = map[*Agent]bool{}
	for a := range f.drops {
		if err := nftApply(a.netns, deleteFaultTable()); err != nil {
			errs = append(errs, fmt.Errorf("heal %s: %w", a.Name, err))
		}
	}
	f.drops = map[*Agent]map[*Agent]bool{}
	return errs
}

// needNetNS fails the test unless the cluster runs in network namespaces.
func (c *Cluster) needNetNS(what string) {
	c.t.Helper()
	if c.lan == nil {
		c.t.Fatalf("%s needs a NewNetNS cluster", what)
	}
}

// CutLink sets the agent's only interface down: it can reach nothing and
// nothing reaches it, as if its cable were pulled. RestoreLink or the
// test's end undoes it.
func (c *Cluster) CutLink(a *Agent) {
	c.t.Helper()
	c.needNetNS("CutLink")
	f := c.faults()
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := setLink(a, "down"); err != nil {
		c.t.Fatal(err)
	}
	f.down[a] = true
}

// RestoreLink sets the agent's interface up again.
func (c *Cluster) RestoreLink(a *Agent) {
	c.t.Helper()
	c.needNetNS("RestoreLink")
	f := c.faults()
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := setLink(a, "up"); err != nil {
		c.t.Fatal(err)
	}
	delete(f.down, a)
}

func setLink(a *Agent, state string) error {
	if out, err := exec.Command("ip", "-n", a.netns, "link", "set", "eth0", state).CombinedOutput(); err != nil {
		return fmt.Errorf("set %s's link %s: %w: %s", a.Name, state, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Partition cuts the network between groups: no frame passes between
// agents of different groups, in either direction; agents in one group,
// and agents in no group, keep talking to everyone they reached before.
// Drops add to those already in place; Heal removes them all.
func (c *Cluster) Partition(groups ...[]*Agent) {
	c.t.Helper()
	c.needNetNS("Partition")
	c.addDrops(partitionDrops(groups))
}

// Isolate partitions a from every other agent of the cluster.
func (c *Cluster) Isolate(a *Agent) {
	c.t.Helper()
	var others []*Agent
	for _, o := range c.Agents {
		if o != a {
			others = append(others, o)
		}
	}
	c.Partition([]*Agent{a}, others)
}

// DropFrom makes to drop every frame from: a one-way partition in which
// to still sends to from, but hears nothing back from it.
func (c *Cluster) DropFrom(to, from *Agent) {
	c.t.Helper()
	c.needNetNS("DropFrom")
	c.addDrops([]drop{{to: to, from: from}})
}

// Heal removes every drop Partition, Isolate and DropFrom put in place.
func (c *Cluster) Heal() {
	c.t.Helper()
	f := c.faults()
	f.mu.Lock()
	defer f.mu.Unlock()
	var errs []error
	for a := range f.drops {
		if err := nftApply(a.netns, deleteFaultTable()); err != nil {
			errs = append(errs, fmt.Errorf("heal %s: %w", a.Name, err))
		}
	}
	f.drops = map[*Agent]map[*Agent]bool{}
	if err := errors.Join(errs...); err != nil {
		c.t.Fatal(err)
	}
}

// drop is one direction of a cut: to drops what from sends.
type drop struct{ to, from *Agent }

// partitionDrops lists the drops that separate groups: both directions
// between every two agents of different groups.
func partitionDrops(groups [][]*Agent) []drop {
	var out []drop
	for i, g := range groups {
		for j, h := range groups {
			if i == j {
				continue
			}
			for _, to := range g {
				for _, from := range h {
					if to != from {
						out = append(out, drop{to: to, from: from})
					}
				}
			}
		}
	}
	return out
}

// addDrops records drops and rewrites the fault table of every agent
// whose drops changed.
func (c *Cluster) addDrops(drops []drop) {
	c.t.Helper()
	f := c.faults()
	f.mu.Lock()
	defer f.mu.Unlock()
	changed := map[*Agent]bool{}
	for _, d := range drops {
		if f.drops[d.to] == nil {
			f.drops[d.to] = map[*Agent]bool{}
		}
		f.drops[d.to][d.from] = true
		changed[d.to] = true
	}
	for to := range changed {
		var macs []string
		for from := range f.drops[to] {
			mac, err := linkMAC(from.netns)
			if err != nil {
				c.t.Fatalf("partition: %s: %v", from.Name, err)
			}
			macs = append(macs, mac)
		}
		if err := nftApply(to.netns, faultRuleset("eth0", macs)); err != nil {
			c.t.Fatalf("partition: drops on %s: %v", to.Name, err)
		}
	}
}

// deleteFaultTable is an nft script that removes the fault table whether
// or not it exists.
func deleteFaultTable() string {
	return fmt.Sprintf("table netdev %[1]s\ndelete table netdev %[1]s\n", faultTable)
}

// faultRuleset is an nft script that replaces the fault table with one
// that drops, on dev's ingress, every non-ARP frame from the given MACs.
func faultRuleset(dev string, macs []string) string {
	var b strings.Builder
	b.WriteString(deleteFaultTable())
	fmt.Fprintf(&b, "table netdev %s {\n\tchain ingress {\n", faultTable)
	fmt.Fprintf(&b, "\t\ttype filter hook ingress device %q priority -500; policy accept;\n", dev)
	sorted := append([]string(nil), macs...)
	sort.Strings(sorted)
	for _, mac := range sorted {
		fmt.Fprintf(&b, "\t\tether saddr %s ether type != arp drop\n", mac)
	}
	b.WriteString("\t}\n}\n")
	return b.String()
}

// nftApply runs an nft script in the network namespace ns.
func nftApply(ns, script string) error {
	if ns == "" {
		return errors.New("no network namespace: refusing to change the host's nftables")
	}
	cmd := exec.Command("ip", "netns", "exec", ns, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("nft in %s: %w: %s", ns, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// linkMAC returns the MAC address of eth0 in namespace ns.
func linkMAC(ns string) (string, error) {
	out, err := exec.Command("ip", "-n", ns, "-br", "link", "show", "eth0").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("read eth0 of %s: %w: %s", ns, err, strings.TrimSpace(string(out)))
	}
	return parseBriefMAC(string(out))
}

// parseBriefMAC reads the MAC of an `ip -br link show` line
// ("eth0@if12  UP  aa:bb:cc:dd:ee:ff <BROADCAST,...>").
func parseBriefMAC(line string) (string, error) {
	fields := strings.Fields(line)
	if len(fields) < 3 {
		return "", fmt.Errorf("parse link %q: want name, state and MAC", strings.TrimSpace(line))
	}
	mac := strings.ToLower(fields[2])
	parts := strings.Split(mac, ":")
	if len(parts) != 6 {
		return "", fmt.Errorf("parse link %q: %q is not a MAC address", strings.TrimSpace(line), fields[2])
	}
	for _, p := range parts {
		if len(p) != 2 || strings.Trim(p, "0123456789abcdef") != "" {
			return "", fmt.Errorf("parse link %q: %q is not a MAC address", strings.TrimSpace(line), fields[2])
		}
	}
	return mac, nil
}

// Pause stops the agent's process with SIGSTOP: it keeps its sockets and
// state but does nothing, as a process stalled by the kernel, a VM pause
// or a long GC would. Resume or the test's end continues it.
func (c *Cluster) Pause(a *Agent) {
	c.t.Helper()
	f := c.faults()
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := a.signal(syscall.SIGSTOP); err != nil {
		c.t.Fatalf("pause %s: %v", a.Name, err)
	}
	f.paused[a] = true
	// The signal is delivered asynchronously: return once it took.
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := procState(a.PID())
		if err == nil && st == "T" {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("pause %s: process state %q, %v after SIGSTOP; want T (stopped)", a.Name, st, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// procState is the state letter of /proc/PID/stat ("T" when stopped).
func procState(pid int) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", fmt.Errorf("read process state: %w", err)
	}
	// The command name, in parentheses, may hold spaces: the state
	// follows its last ")".
	i := strings.LastIndex(string(b), ") ")
	if i < 0 || i+2 >= len(b) {
		return "", fmt.Errorf("parse /proc/%d/stat: no state after the command name", pid)
	}
	return string(b[i+2 : i+3]), nil
}

// Resume continues a paused agent with SIGCONT.
func (c *Cluster) Resume(a *Agent) {
	c.t.Helper()
	f := c.faults()
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := a.signal(syscall.SIGCONT); err != nil {
		c.t.Fatalf("resume %s: %v", a.Name, err)
	}
	delete(f.paused, a)
}

// signal sends sig to the agent's process.
func (a *Agent) signal(sig syscall.Signal) error {
	if !a.Running() {
		return fmt.Errorf("agent %s is not running", a.Name)
	}
	return a.cmd.Process.Signal(sig)
}
