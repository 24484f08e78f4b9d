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

// nfTable is the nftables table (netdev family) that holds an agent's
// drops; nothing else uses the name.
const nfTable = "shoal_faults"

// nfState is one cluster's fault state: which agent drops which peers'
// frames, which links are down, which agents are paused.
type nfState struct {
	mu     sync.Mutex
	drops  map[*Agent]map[*Agent]bool // receiver → senders it drops
	down   map[*Agent]bool
	paused map[*Agent]bool
}

var (
	nfMu  sync.Mutex
	nfFor = map[*Cluster]*nfState{}
)

// nfFaults returns the cluster's fault state, making it (and the cleanup
// that undoes every fault) on first use.
func (c *Cluster) nfFaults() *nfState {
	nfMu.Lock()
	defer nfMu.Unlock()
	f := nfFor[c]
	if f == nil {
		f = &nfState{drops: map[*Agent]map[*Agent]bool{}, down: map[*Agent]bool{}, paused: map[*Agent]bool{}}
		nfFor[c] = f
		// Registered after NewNetNS's own cleanups, so it runs before
		// them: agents are resumed and reachable again before they stop.
		c.t.Cleanup(func() {
			for _, err := range c.nfUndo() {
				c.t.Logf("undo faults: %v", err)
			}
			nfMu.Lock()
			delete(nfFor, c)
			nfMu.Unlock()
		})
	}
	return f
}

// nfUndo resumes paused agents, brings links up and removes every
// drop, and returns what failed.
func (c *Cluster) nfUndo() []error {
	f := c.nfFaults()
	f.mu.Lock()
	defer f.mu.Unlock()
	var errs []error
	for a := range f.paused {
		if !a.Running() {
			continue
		}
		if err := a.nfSignal(syscall.SIGCONT); err != nil {
			errs = append(errs, fmt.Errorf("resume %s: %w", a.Name, err))
		}
	}
	f.paused = map[*Agent]bool{}
	for a := range f.down {
		if err := nfSetLink(a, "up"); err != nil {
			errs = append(errs, err)
		}
	}
	f.down = map[*Agent]bool{}
	for a := range f.drops {
		if err := nfApply(a.netns, nfDeleteTable()); err != nil {
			errs = append(errs, fmt.Errorf("heal %s: %w", a.Name, err))
		}
	}
	f.drops = map[*Agent]map[*Agent]bool{}
	return errs
}

// nfNeedNetNS fails the test unless the cluster runs in network namespaces.
func (c *Cluster) nfNeedNetNS(what string) {
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
	c.nfNeedNetNS("CutLink")
	f := c.nfFaults()
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := nfSetLink(a, "down"); err != nil {
		c.t.Fatal(err)
	}
	f.down[a] = true
}

// RestoreLink sets the agent's interface up again.
func (c *Cluster) RestoreLink(a *Agent) {
	c.t.Helper()
	c.nfNeedNetNS("RestoreLink")
	f := c.nfFaults()
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := nfSetLink(a, "up"); err != nil {
		c.t.Fatal(err)
	}
	delete(f.down, a)
}

func nfSetLink(a *Agent, state string) error {
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
	c.nfNeedNetNS("Partition")
	c.nfAddDrops(nfPartitionDrops(groups))
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
	c.nfNeedNetNS("DropFrom")
	c.nfAddDrops([]nfDrop{{to: to, from: from}})
}

// Heal removes every drop Partition, Isolate and DropFrom put in place.
func (c *Cluster) Heal() {
	c.t.Helper()
	f := c.nfFaults()
	f.mu.Lock()
	defer f.mu.Unlock()
	var errs []error
	for a := range f.drops {
		if err := nfApply(a.netns, nfDeleteTable()); err != nil {
			errs = append(errs, fmt.Errorf("heal %s: %w", a.Name, err))
		}
	}
	f.drops = map[*Agent]map[*Agent]bool{}
	if err := errors.Join(errs...); err != nil {
		c.t.Fatal(err)
	}
}

// nfDrop is one direction of a cut: to drops what from sends.
type nfDrop struct{ to, from *Agent }

// nfPartitionDrops lists the drops that separate groups: both directions
// between every two agents of different groups.
func nfPartitionDrops(groups [][]*Agent) []nfDrop {
	var out []nfDrop
	for i, g := range groups {
		for j, h := range groups {
			if i == j {
				continue
			}
			for _, to := range g {
				for _, from := range h {
					if to != from {
						out = append(out, nfDrop{to: to, from: from})
					}
				}
			}
		}
	}
	return out
}

// nfAddDrops records drops and rewrites the fault table of every agent
// whose drops changed.
func (c *Cluster) nfAddDrops(drops []nfDrop) {
	c.t.Helper()
	f := c.nfFaults()
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
			mac, err := nfLinkMAC(from.netns)
			if err != nil {
				c.t.Fatalf("partition: %s: %v", from.Name, err)
			}
			macs = append(macs, mac)
		}
		if err := nfApply(to.netns, nfRuleset("eth0", macs)); err != nil {
			c.t.Fatalf("partition: drops on %s: %v", to.Name, err)
		}
	}
}

// nfDeleteTable is an nft script that removes the fault table whether
// or not it exists.
func nfDeleteTable() string {
	return fmt.Sprintf("table netdev %[1]s\ndelete table netdev %[1]s\n", nfTable)
}

// nfRuleset is an nft script that replaces the fault table with one
// that drops, on dev's ingress, every non-ARP frame from the given MACs.
func nfRuleset(dev string, macs []string) string {
	var b strings.Builder
	b.WriteString(nfDeleteTable())
	fmt.Fprintf(&b, "table netdev %s {\n\tchain ingress {\n", nfTable)
	fmt.Fprintf(&b, "\t\ttype filter hook ingress device %q priority -500; policy accept;\n", dev)
	sorted := append([]string(nil), macs...)
	sort.Strings(sorted)
	for _, mac := range sorted {
		fmt.Fprintf(&b, "\t\tether saddr %s ether type != arp drop\n", mac)
	}
	b.WriteString("\t}\n}\n")
	return b.String()
}

// nfApply runs an nft script in the network namespace ns.
func nfApply(ns, script string) error {
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

// nfLinkMAC returns the MAC address of eth0 in namespace ns.
func nfLinkMAC(ns string) (string, error) {
	out, err := exec.Command("ip", "-n", ns, "-br", "link", "show", "eth0").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("read eth0 of %s: %w: %s", ns, err, strings.TrimSpace(string(out)))
	}
	return nfParseBriefMAC(string(out))
}

// nfParseBriefMAC reads the MAC of an `ip -br link show` line
// ("eth0@if12  UP  aa:bb:cc:dd:ee:ff <BROADCAST,...>").
func nfParseBriefMAC(line string) (string, error) {
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
	f := c.nfFaults()
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := a.nfSignal(syscall.SIGSTOP); err != nil {
		c.t.Fatalf("pause %s: %v", a.Name, err)
	}
	f.paused[a] = true
	// The signal is delivered asynchronously: return once it took.
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := nfProcState(a.PID())
		if err == nil && st == "T" {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("pause %s: process state %q, %v after SIGSTOP; want T (stopped)", a.Name, st, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// nfProcState is the state letter of /proc/PID/stat ("T" when stopped).
func nfProcState(pid int) (string, error) {
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
	f := c.nfFaults()
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := a.nfSignal(syscall.SIGCONT); err != nil {
		c.t.Fatalf("resume %s: %v", a.Name, err)
	}
	delete(f.paused, a)
}

// nfSignal sends sig to the agent's process.
func (a *Agent) nfSignal(sig syscall.Signal) error {
	if !a.Running() {
		return fmt.Errorf("agent %s is not running", a.Name)
	}
	return a.cmd.Process.Signal(sig)
}
