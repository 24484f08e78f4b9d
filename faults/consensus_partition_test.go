package faults

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
	"github.com/shoal-dev/shoal/internal/testimage"
)

// raftIdentity is a one-replica StatefulSet free to run on any node; its
// container carries MARKER so the test finds its processes on every host.
const raftIdentity = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ident
spec:
  serviceName: ident
  replicas: 1
  selector:
    matchLabels: {app: ident}
  template:
    metadata:
      labels: {app: ident}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: db
          image: shoal.local/busybox:1
          command: ["sleep", "3600"]
          env: [{name: MARKER, value: %q}]
`

// TestConsensusPartitionMinority cuts the node running a StatefulSet's
// one identity off from the two others (both directions) while clients
// write and read through every agent, then heals it, then cuts one
// direction between the leader and a follower (the leader still sends,
// hears nothing back) and heals that. Throughout: the history is
// linearizable and no acknowledged write is lost; the minority cannot
// commit (a write through it fails, saying no leader is reachable); the
// majority commits and runs the identity again; containers sampled on
// every host never show the identity twice; a Service created through the
// majority during the cut answers in the majority's DNS (and not in the
// minority's); after each heal writes and sync reads through the healed
// agents succeed, and at the end every replica holds the same objects.
func TestConsensusPartitionMinority(t *testing.T) {
	t.Parallel()
	// --voter-grace 60s: the cut lasts longer than the default 10 s
	// (the write through the minority waits 15 s for a leader), and this
	// scenario is about a partition that heals, not voter replacement.
	c := testcluster.NewNetNS(t, "--fence-after", "3s", "--node-grace", "2s", "--voter-grace", "60s")
	for _, n := range []string{"n1", "n2", "n3"} {
		c.Add(n)
	}
	raftImportBusybox(t, c)
	marker := raftMarker(t)
	if out, stderr, err := c.Agents[0].CLIWithInput(fmt.Appendf(nil, raftIdentity, marker), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply: %v %s%s", err, out, stderr)
	}
	testcluster.Eventually(t, 90*time.Second, func() error {
		if n := len(raftMarked(marker)); n != 1 {
			return fmt.Errorf("%d containers of the identity running, want 1", n)
		}
		return nil
	})
	sampler := raftSampleIdentity(marker)
	defer sampler.stop()

	minority, err := raftNodeOf(c, c.Agents[0], "ident-0")
	if err != nil {
		t.Fatal(err)
	}
	majority := raftOthers(c, minority)
	leader := raftLeader(t, c, majority[0])
	w := startRaftWorkload(6, raftKeys, c.Agents)
	defer w.stop()
	time.Sleep(time.Second)

	// Phase 1: the minority, both directions.
	cut := time.Now()
	cutAt := w.h.now()
	c.Isolate(minority)
	t.Logf("%s: %s cut off both ways", time.Now().Format("15:04:05.000"), minority.Name)
	minorityWrite := make(chan error, 1)
	go func() {
		_, stderr, err := minority.CLIWithInput(fmt.Appendf(nil, raftConfigMap, "through-minority", "x"), "apply", "-f", "-")
		if err == nil {
			minorityWrite <- fmt.Errorf("a write through the cut-off %s succeeded", minority.Name)
			return
		}
		// Sent at the cut, the write may go to the old leader over a kept
		// connection that then hangs: the agent cannot know whether it
		// arrived, and says so rather than retrying it.
		if !strings.Contains(stderr, "no raft leader reachable") && !strings.Contains(stderr, "outcome is unknown") {
			minorityWrite <- fmt.Errorf("a write through the cut-off %s failed with %q, want it to say no raft leader is reachable or that its outcome is unknown", minority.Name, stderr)
			return
		}
		minorityWrite <- nil
	}()
	newLeader := leader.Name
	if leader == minority {
		var seen time.Time
		newLeader, seen = raftNewLeader(t, majority, minority.Name)
		t.Logf("leader %s cut off: %s elected, seen %.2fs after the cut", minority.Name, newLeader, seen.Sub(cut).Seconds())
	}
	// The majority runs the identity again once the minority fenced it.
	testcluster.Eventually(t, 60*time.Second, func() error {
		if node, err := raftNodeOf(c, majority[0], "ident-0"); err != nil {
			return err
		} else if node == minority {
			return fmt.Errorf("ident-0 still placed on %s", minority.Name)
		}
		if n := len(raftMarked(marker)); n != 1 {
			return fmt.Errorf("%d containers of the identity running, want 1", n)
		}
		return nil
	})
	t.Logf("identity back on the majority side %.1fs after the cut", time.Since(cut).Seconds())
	raftServiceOnMajority(t, majority, minority)
	if err := <-minorityWrite; err != nil {
		t.Error(err)
	}
	if acked := w.h.ackedBetween(cutAt, w.h.now()); acked == 0 {
		t.Error("the majority acknowledged no write during the partition")
	}
	c.Heal()
	t.Logf("%s: healed", time.Now().Format("15:04:05.000"))
	raftFollows(t, minority)
	raftCommitsThrough(t, w.h, minority)

	// Phase 2: one way. The leader still sends to a follower but hears
	// nothing from it.
	leader = raftLeader(t, c, c.Agents[0])
	follower := raftOthers(c, leader)[0]
	oneWayAt := w.h.now()
	c.DropFrom(leader, follower)
	t.Logf("%s: %s deaf to %s", time.Now().Format("15:04:05.000"), leader.Name, follower.Name)
	time.Sleep(4 * time.Second)
	acked := w.h.ackedBetween(oneWayAt, w.h.now())
	c.Heal()
	t.Logf("%s: healed", time.Now().Format("15:04:05.000"))
	if acked == 0 {
		t.Errorf("no write acknowledged while %s heard nothing from %s", leader.Name, follower.Name)
	}
	raftFollows(t, follower)
	raftCommitsThrough(t, w.h, follower)
	time.Sleep(time.Second)
	w.stop()
	sampler.stop()

	final := w.finalReads(t, c.Agents)
	lost := w.verify(t, final)
	raftSameObjects(t, c.Agents)
	if most := sampler.most.Load(); most > 1 {
		t.Errorf("%d containers of one StatefulSet identity ran at once: %s", most, strings.Join(sampler.twice, ", "))
	}
	t.Logf("partitions survived: 2 (%s cut off both ways, leader %s; then %s deaf to %s); %d writes acknowledged during the one-way cut",
		minority.Name, newLeader, leader.Name, follower.Name, acked)
	t.Logf("%s; %d samples of every host's containers, at most %d of the identity at once; acknowledged writes lost: %d",
		w.h.stats(), sampler.samples.Load(), sampler.most.Load(), lost)
}

// raftCutService is a Service created while the cluster is cut.
const raftCutService = `apiVersion: v1
kind: Service
metadata:
  name: during-cut
spec:
  selector: {app: ident}
  ports: [{port: 80}]
`

// raftServiceOnMajority creates a Service through the majority while the
// minority is cut off: every majority agent's DNS answers its name with an
// address, and the minority's DNS still answers, without it.
func raftServiceOnMajority(t *testing.T, majority []*testcluster.Agent, minority *testcluster.Agent) {
	t.Helper()
	if out, stderr, err := majority[0].CLIWithInput([]byte(raftCutService), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply a Service through the majority: %v %s%s", err, out, stderr)
	}
	name := "during-cut.default.svc.cluster.local."
	for _, a := range majority {
		testcluster.Eventually(t, 10*time.Second, func() error {
			r, err := raftDNS(a.DNSAddr(), name)
			if err != nil {
				return err
			}
			if r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 {
				return fmt.Errorf("%s's DNS answers %s %s with %d records, want an address", a.Name, name, dns.RcodeToString[r.Rcode], len(r.Answer))
			}
			return nil
		})
	}
	r, err := raftDNS(minority.DNSAddr(), name)
	if err != nil {
		t.Errorf("the cut-off %s's DNS does not answer: %v", minority.Name, err)
	} else if r.Rcode != dns.RcodeNameError {
		t.Errorf("the cut-off %s's DNS answers %s %s, want NXDOMAIN (it cannot have the Service)", minority.Name, name, dns.RcodeToString[r.Rcode])
	}
}

// raftDNS asks server for name's A records over UDP.
func raftDNS(server, name string) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(name, dns.TypeA)
	r, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(m, server)
	if err != nil {
		return nil, fmt.Errorf("A %s to %s: %w", name, server, err)
	}
	return r, nil
}

// raftImportBusybox builds the busybox test image and imports it into
// every agent's containerd.
func raftImportBusybox(t *testing.T, c *testcluster.Cluster) {
	t.Helper()
	path, ref, err := testimage.Busybox(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range c.Agents {
		testcluster.Eventually(t, 60*time.Second, func() error {
			if out, stderr, err := c.Agents[0].CLI("image", "import", path, "--node", a.Name); err != nil {
				return fmt.Errorf("import %s on %s: %v: %s%s", ref, a.Name, err, out, stderr)
			}
			return nil
		})
	}
}

// raftMarker is a marker no other test's container carries.
func raftMarker(t *testing.T) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return "ident-" + hex.EncodeToString(b[:])
}

// raftMarked lists the pids of processes on this machine (every host of
// the cluster) whose environment holds MARKER=marker.
func raftMarked(marker string) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		for _, kv := range strings.Split(string(env), "\x00") {
			if kv == "MARKER="+marker {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// raftSampler counts the identity's containers on every host, often.
type raftSampler struct {
	most, samples atomic.Int64
	mu            sync.Mutex
	twice         []string // when and where more than one ran
	done          chan struct{}
	once          sync.Once
	wg            sync.WaitGroup
}

func raftSampleIdentity(marker string) *raftSampler {
	s := &raftSampler{done: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			pids := raftMarked(marker)
			n := int64(len(pids))
			s.samples.Add(1)
			if n > 1 {
				var where []string
				for _, pid := range pids {
					where = append(where, raftHostOf(pid))
				}
				s.mu.Lock()
				s.twice = append(s.twice, time.Now().Format("15:04:05.000")+" on "+strings.Join(where, "+"))
				s.mu.Unlock()
			}
			if n > s.most.Load() {
				s.most.Store(n)
			}
			select {
			case <-s.done:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return s
}

func (s *raftSampler) stop() {
	s.once.Do(func() { close(s.done) })
	s.wg.Wait()
}

// raftHostOf names the agent whose containerd runs process pid: its shim
// (the parent) was started with that containerd's socket, under the
// agent's data dir.
func raftHostOf(pid int) string {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(status), "\n") {
		if ppid, ok := strings.CutPrefix(line, "PPid:"); ok {
			cmd, err := os.ReadFile(filepath.Join("/proc", strings.TrimSpace(ppid), "cmdline"))
			if err != nil {
				return "?"
			}
			for _, arg := range strings.Split(string(cmd), "\x00") {
				if strings.HasSuffix(arg, "/containerd/containerd.sock") {
					return filepath.Base(filepath.Dir(filepath.Dir(arg)))
				}
			}
		}
	}
	return "?"
}

// raftNodeOf returns the agent the pod is placed on, as a's replica says.
func raftNodeOf(c *testcluster.Cluster, a *testcluster.Agent, pod string) (*testcluster.Agent, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	obj, err := a.Client().Get(ctx, "pods", "default", pod)
	if err != nil {
		return nil, fmt.Errorf("get pod %s through %s: %w", pod, a.Name, err)
	}
	node := obj.(*api.Pod).Spec.NodeName
	for _, o := range c.Agents {
		if o.Name == node {
			return o, nil
		}
	}
	return nil, fmt.Errorf("pod %s placed on %q, not an agent of the cluster", pod, node)
}

// raftFollows waits until a names a leader.
func raftFollows(t *testing.T, a *testcluster.Agent) {
	t.Helper()
	testcluster.Eventually(t, 30*time.Second, func() error {
		st, err := raftStatus(a)
		if err != nil {
			return err
		}
		if st.Leader == "" {
			return fmt.Errorf("%s knows no leader", a.Name)
		}
		return nil
	})
}

// raftCommitsThrough waits until a write through a is acknowledged and a
// sync read through a sees it (both go in the history).
func raftCommitsThrough(t *testing.T, h *raftHistory, a *testcluster.Agent) {
	t.Helper()
	n := 0
	testcluster.Eventually(t, 30*time.Second, func() error {
		n++
		value := fmt.Sprintf("through-%s-%d", a.Name, n)
		if !raftWrite(t.Context(), h, 2000, a.Client(), "reg-a", value) {
			return fmt.Errorf("write through %s not acknowledged", a.Name)
		}
		if _, err := raftSyncRead(t.Context(), h, 2000, a.Client(), "reg-a", value); err != nil {
			return fmt.Errorf("sync read through %s: %w", a.Name, err)
		}
		return nil
	})
}

// raftAllAlive waits until every agent lists every agent alive in
// gossip.
func raftAllAlive(t *testing.T, agents []*testcluster.Agent) {
	t.Helper()
	testcluster.Eventually(t, 30*time.Second, func() error {
		for _, a := range agents {
			st, err := raftStatus(a)
			if err != nil {
				return err
			}
			alive := 0
			for _, m := range st.Members {
				if m.Status == "alive" {
					alive++
				}
			}
			if alive != len(agents) {
				return fmt.Errorf("%s sees %d of %d agents alive: %+v", a.Name, alive, len(agents), st.Members)
			}
		}
		return nil
	})
}

// ackedBetween counts the writes acknowledged in [from, to].
func (h *raftHistory) ackedBetween(from, to int64) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, op := range h.ops {
		if op.Input.(raftInput).Write && op.Return != raftUnknown && op.Return >= from && op.Return <= to {
			n++
		}
	}
	return n
}
