package placement

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
	"pgregory.net/rapid"
)

// TestPropertyRandomClusters schedules random pods onto random clusters
// and replays the decisions against a naive model of the cluster that
// checks every node for every pod. The clusters have at most 30 nodes,
// fewer than the rank stage's candidate bound, so the model can demand the
// exact optimum.
func TestPropertyRandomClusters(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) { checkScenario(t, genScenario(t, 30, 15)) })
}

// TestPropertyLargerClusters does the same on clusters of up to 250 nodes
// and owners of up to 300 replicas, where the rank stage scores a bounded
// number of candidates (so only spread is exact) and keeps zone cells.
func TestPropertyLargerClusters(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) { checkScenario(t, genScenario(t, 250, 300)) })
}

func checkScenario(t *rapid.T, g scenario) {
	{
		ds := Schedule(g.snap, g.pending, Config{Strategy: g.strategy})
		if len(ds) != len(g.pending) {
			t.Fatalf("got %d decisions, want %d", len(ds), len(g.pending))
		}
		m := newModel(g.snap, g.strategy)
		failedShapes := map[string]string{}
		unplaced := map[string]bool{}
		for i, d := range ds {
			p := g.pending[i]
			if d.Pod != api.KeyOf(p) {
				t.Fatalf("decision %d is for %v, want %v", i, d.Pod, api.KeyOf(p))
			}
			m.check(t, p, d, failedShapes)
			if d.Node == "" {
				unplaced[ownerKey(p)] = true
				checkReasonSum(t, d.Reason, len(m.nodes))
			}
		}
		m.checkNotOvercommitted(t)
		for _, o := range g.spreadOwners {
			m.checkWithinOne(t, o, unplaced[ownerKey(o.template)])
		}
	}
}

type scenario struct {
	snap     *Snapshot
	pending  []*api.Pod
	strategy Strategy
	// spreadOwners are the owners whose replicas must end up within one of
	// even: no existing pods, no volume pins.
	spreadOwners []genOwner
}

type genOwner struct {
	template *api.Pod
	replicas int
}

var (
	genCPU  = []string{"", "100m", "250m", "500m", "1", "3"}
	genMem  = []string{"", "64Mi", "256Mi", "1Gi", "3Gi"}
	genDisk = []string{"", "ssd", "hdd"}
	genZone = []string{"", "z1", "z2", "z3"}
)

// genScenario draws a cluster of up to maxNodes nodes and owners of up to
// maxReplicas replicas each.
func genScenario(t *rapid.T, maxNodes, maxReplicas int) scenario {
	var sc scenario
	sc.strategy = rapid.SampledFrom([]Strategy{Spread, Binpack}).Draw(t, "strategy")
	c := newCluster()
	nNodes := rapid.IntRange(1, maxNodes).Draw(t, "nodes")
	names := rapid.Permutation(nodeNamePool(maxNodes+10)).Draw(t, "names")[:nNodes]
	for i, name := range names {
		opts := []nodeOpt{maxPods(rapid.SampledFrom([]int64{1, 2, 3, 5, 8, 110}).Draw(t, fmt.Sprintf("pods%d", i)))}
		if z := rapid.SampledFrom(genZone).Draw(t, fmt.Sprintf("zone%d", i)); z != "" {
			opts = append(opts, zone(z))
		}
		if d := rapid.SampledFrom(genDisk).Draw(t, fmt.Sprintf("disk%d", i)); d != "" {
			opts = append(opts, label("disk", d))
		}
		if rapid.IntRange(0, 9).Draw(t, fmt.Sprintf("notready%d", i)) == 0 {
			opts = append(opts, notReadyNode())
		}
		if rapid.IntRange(0, 9).Draw(t, fmt.Sprintf("cordon%d", i)) == 0 {
			opts = append(opts, cordonedNode())
		}
		if rapid.IntRange(0, 9).Draw(t, fmt.Sprintf("diskpressure%d", i)) == 0 {
			opts = append(opts, diskPressureNode())
		}
		if rapid.IntRange(0, 9).Draw(t, fmt.Sprintf("gossip%d", i)) == 0 {
			opts = append(opts, freeNow(rapid.SampledFrom(genCPU).Draw(t, "freecpu"), rapid.SampledFrom(genMem).Draw(t, "freemem")))
		}
		c.node(name,
			rapid.SampledFrom([]string{"", "1", "2", "4", "8"}).Draw(t, fmt.Sprintf("cpu%d", i)),
			rapid.SampledFrom([]string{"", "1Gi", "2Gi", "4Gi", "8Gi"}).Draw(t, fmt.Sprintf("mem%d", i)),
			opts...)
	}

	nOwners := rapid.IntRange(0, 6).Draw(t, "owners")
	owners := make([]genOwner, nOwners)
	for i := range owners {
		opts := []podOpt{
			ownedBy(rapid.SampledFrom([]string{"ReplicaSet", "StatefulSet"}).Draw(t, "kind"), fmt.Sprintf("o%d", i)),
			requests(rapid.SampledFrom(genCPU).Draw(t, "cpu"), rapid.SampledFrom(genMem).Draw(t, "mem")),
		}
		if d := rapid.SampledFrom(genDisk).Draw(t, "selector"); d != "" {
			opts = append(opts, selector("disk", d))
		}
		if rapid.IntRange(0, 6).Draw(t, "hostport") == 0 {
			opts = append(opts, hostPort(rapid.SampledFrom([]int32{8080, 9090}).Draw(t, "port")))
		}
		owners[i] = genOwner{template: pod(fmt.Sprintf("o%d", i), opts...), replicas: rapid.IntRange(1, maxReplicas).Draw(t, "replicas")}
	}

	// Existing pods, only where they fit, so that no node starts
	// over-committed.
	m := newModel(c.snapshot(), sc.strategy)
	hasExisting := map[int]bool{}
	for i := range rapid.IntRange(0, 2*maxNodes/3).Draw(t, "existing") {
		var p *api.Pod
		if k := rapid.IntRange(-1, nOwners-1).Draw(t, "existingOwner"); k >= 0 {
			p = clonePod(owners[k].template, fmt.Sprintf("old-%d", i))
			hasExisting[k] = true
		} else {
			p = pod(fmt.Sprintf("old-%d", i), requests(rapid.SampledFrom(genCPU).Draw(t, "cpu"), rapid.SampledFrom(genMem).Draw(t, "mem")))
		}
		node := rapid.SampledFrom(names).Draw(t, "existingNode")
		if m.fit(node, p) == fits {
			m.apply(node, p)
			c.bound(p, node)
		}
	}

	for k, o := range owners {
		pinned := o.template.OwnerReferences[0].Kind == "StatefulSet" && rapid.IntRange(0, 3).Draw(t, "pinned") == 0
		for r := range o.replicas {
			p := clonePod(o.template, fmt.Sprintf("o%d-%d", k, r))
			if pinned {
				volumeOn(rapid.SampledFrom(append(names, "ghost")).Draw(t, "volumeNode"))(p)
			}
			sc.pending = append(sc.pending, p)
		}
		if !pinned && !hasExisting[k] {
			sc.spreadOwners = append(sc.spreadOwners, o)
		}
	}
	for i := range rapid.IntRange(0, 5).Draw(t, "lone") {
		sc.pending = append(sc.pending, pod(fmt.Sprintf("lone-%d", i), requests(rapid.SampledFrom(genCPU).Draw(t, "cpu"), rapid.SampledFrom(genMem).Draw(t, "mem"))))
	}
	sc.pending = rapid.Permutation(sc.pending).Draw(t, "order")
	sc.snap = c.snapshot()
	return sc
}

func nodeNamePool(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("node-%03d", i)
	}
	return out
}

// clonePod copies template's spec and owner under a new name.
func clonePod(template *api.Pod, name string) *api.Pod {
	p := api.DeepCopy(template)
	p.Name = name
	return p
}

// model is a naive, independent account of the cluster: per node, what is
// free and which ports are taken; per owner, pods per node and zone.
type model struct {
	strategy  Strategy
	nodes     map[string]NodeInfo
	free      map[string]Resources
	ports     map[string][]uint32
	count     map[string]map[string]int // owner → node → pods
	zoneCount map[string]map[string]int // owner → zone → pods
	used      map[string]Resources      // requests of all pods, for over-commit
}

func newModel(snap *Snapshot, strategy Strategy) *model {
	m := &model{
		strategy: strategy, nodes: map[string]NodeInfo{}, free: map[string]Resources{}, ports: map[string][]uint32{},
		count: map[string]map[string]int{}, zoneCount: map[string]map[string]int{}, used: map[string]Resources{},
	}
	for _, n := range snap.Nodes {
		if _, dup := m.nodes[n.Name]; !dup {
			m.nodes[n.Name] = n
			m.free[n.Name] = n.Allocatable
		}
	}
	for _, p := range snap.Pods {
		if _, ok := m.nodes[p.Spec.NodeName]; ok && !finished(p) {
			m.apply(p.Spec.NodeName, p)
		}
	}
	for name, n := range m.nodes {
		if n.Free != nil {
			f := m.free[name]
			f.MilliCPU = min(f.MilliCPU, n.Free.MilliCPU)
			f.Memory = min(f.Memory, n.Free.Memory)
			m.free[name] = f
		}
	}
	return m
}

func (m *model) apply(node string, p *api.Pod) {
	req := PodRequests(p)
	m.free[node] = m.free[node].Sub(req)
	m.used[node] = m.used[node].Add(req)
	m.ports[node] = append(m.ports[node], hostPorts(p)...)
	if o := ownerKey(p); o != "" {
		if m.count[o] == nil {
			m.count[o], m.zoneCount[o] = map[string]int{}, map[string]int{}
		}
		m.count[o][node]++
		m.zoneCount[o][m.nodes[node].Zone]++
	}
}

// fit is the first filter (in the documented order) that rejects p on node.
func (m *model) fit(node string, p *api.Pod) reason {
	n := m.nodes[node]
	pin := p.Annotations[api.AnnotationVolumeNode]
	req := PodRequests(p)
	free := m.free[node]
	switch {
	case !n.Ready:
		return notReady
	case n.Unschedulable:
		return cordoned
	case n.DiskPressure:
		return diskPressure
	case pin != "" && pin != node:
		return volumeElsewhere
	case !matches(n.Labels, p.Spec.NodeSelector):
		return selectorMismatch
	}
	for _, want := range hostPorts(p) {
		for _, used := range m.ports[node] {
			if want == used {
				return portsTaken
			}
		}
	}
	switch {
	case free.Pods < 1:
		return tooManyPods
	case req.MilliCPU > 0 && req.MilliCPU > free.MilliCPU:
		return insufficientCPU
	case req.Memory > 0 && req.Memory > free.Memory:
		return insufficientMemory
	}
	return fits
}

func (m *model) share(node string, req Resources) float64 {
	n := m.nodes[node]
	f := m.free[node]
	return max(
		fraction(n.Allocatable.MilliCPU-f.MilliCPU+req.MilliCPU, n.Allocatable.MilliCPU),
		fraction(n.Allocatable.Memory-f.Memory+req.Memory, n.Allocatable.Memory),
	)
}

// check verifies one decision against the model, then applies it.
func (m *model) check(t *rapid.T, p *api.Pod, d Decision, failedShapes map[string]string) {
	var feasible []string
	var counts [numReasons]int
	for name := range m.nodes {
		r := m.fit(name, p)
		counts[r]++
		if r == fits {
			feasible = append(feasible, name)
		}
	}
	sort.Strings(feasible)
	shape := modelShape(p)
	if d.Node == "" {
		if len(feasible) > 0 {
			t.Fatalf("pod %s: unplaceable (%q) but fits on %v", p.Name, d.Reason, feasible)
		}
		want := modelMessage(counts, len(m.nodes))
		if earlier, ok := failedShapes[shape]; ok {
			want = earlier // same shape failed earlier in the batch: same reason
		}
		if d.Reason != want {
			t.Fatalf("pod %s: got reason %q, want %q", p.Name, d.Reason, want)
		}
		failedShapes[shape] = d.Reason
		return
	}
	if d.Reason != "" {
		t.Fatalf("pod %s: placed on %s with reason %q", p.Name, d.Node, d.Reason)
	}
	if r := m.fit(d.Node, p); r != fits {
		t.Fatalf("pod %s: placed on %s, which it does not fit: %v", p.Name, d.Node, r)
	}
	// The best node: fewest of the owner's pods, then fewest in the zone,
	// then the best share; share is exact only when every feasible node
	// can be a candidate.
	o := ownerKey(p)
	req := PodRequests(p)
	type key struct {
		node, zone int
		share      float64
	}
	keyOf := func(n string) key {
		k := key{m.count[o][n], m.zoneCount[o][m.nodes[n].Zone], m.share(n, req)}
		if o == "" {
			k.node, k.zone = 0, 0
		}
		if m.strategy == Binpack {
			k.share = -k.share
		}
		if len(feasible) > maxCandidates {
			k.share = 0
		}
		return k
	}
	less := func(a, b key) bool {
		if a.node != b.node {
			return a.node < b.node
		}
		if a.zone != b.zone {
			return a.zone < b.zone
		}
		return a.share < b.share
	}
	best := keyOf(feasible[0])
	for _, n := range feasible[1:] {
		if k := keyOf(n); less(k, best) {
			best = k
		}
	}
	if got := keyOf(d.Node); less(best, got) {
		t.Fatalf("pod %s: placed on %s with (owner pods, zone pods, share) %v, but a feasible node has %v", p.Name, d.Node, got, best)
	}
	m.apply(d.Node, p)
}

func modelShape(p *api.Pod) string {
	req := PodRequests(p)
	keys := make([]string, 0, len(p.Spec.NodeSelector))
	for k, v := range p.Spec.NodeSelector {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	return fmt.Sprint(keys, p.Annotations[api.AnnotationVolumeNode], req.MilliCPU, req.Memory, hostPorts(p))
}

// modelMessage formats reason counts independently of reasonCounts.message.
func modelMessage(counts [numReasons]int, nodes int) string {
	var parts []string
	for r := fits + 1; r < numReasons; r++ {
		if counts[r] > 0 {
			parts = append(parts, fmt.Sprintf("%06d %s", 999999-counts[r], r))
		}
	}
	sort.Strings(parts)
	for i, s := range parts {
		n, _ := strconv.Atoi(s[:6])
		parts[i] = strconv.Itoa(999999-n) + s[6:]
	}
	return fmt.Sprintf("0/%d nodes are available: %s", nodes, strings.Join(parts, ", "))
}

// checkReasonSum parses "0/N nodes are available: k1 text, k2 text" and
// checks the counts add up to N, the number of nodes.
func checkReasonSum(t *rapid.T, msg string, nodes int) {
	if nodes == 0 {
		return
	}
	head, list, ok := strings.Cut(msg, " nodes are available: ")
	if !ok || head != "0/"+strconv.Itoa(nodes) {
		t.Fatalf("reason %q: want it to start with 0/%d nodes are available: ", msg, nodes)
	}
	sum := 0
	for _, part := range strings.Split(list, ", ") {
		k, _, _ := strings.Cut(part, " ")
		n, err := strconv.Atoi(k)
		if err != nil {
			t.Fatalf("reason %q: part %q has no count", msg, part)
		}
		sum += n
	}
	if sum != nodes {
		t.Fatalf("reason %q: counts add up to %d, want %d", msg, sum, nodes)
	}
}

func (m *model) checkNotOvercommitted(t *rapid.T) {
	for name, n := range m.nodes {
		u := m.used[name]
		if u.MilliCPU > n.Allocatable.MilliCPU || u.Memory > n.Allocatable.Memory || u.Pods > n.Allocatable.Pods {
			t.Fatalf("node %s over-committed: requests %+v, allocatable %+v", name, u, n.Allocatable)
		}
		if f := m.free[name]; f.MilliCPU < 0 || f.Memory < 0 || f.Pods < 0 {
			t.Fatalf("node %s over-committed: free %+v after placements", name, m.free[name])
		}
	}
}

// checkWithinOne checks that an owner's replicas are within one of even
// across the nodes that could still take one: every eligible node with
// room holds at least the most any node holds, minus one. (A node that
// holds fewer was full when the busier node got its last replica.)
func (m *model) checkWithinOne(t *rapid.T, o genOwner, someUnplaced bool) {
	key := ownerKey(o.template)
	most := 0
	for _, c := range m.count[key] {
		most = max(most, c)
	}
	for name := range m.nodes {
		if m.fit(name, o.template) != fits {
			continue
		}
		if someUnplaced {
			t.Fatalf("owner %s: a replica was unplaceable but node %s has room", key, name)
		}
		if c := m.count[key][name]; c < most-1 {
			t.Fatalf("owner %s: node %s has room but holds %d replicas while another holds %d (counts %v)", key, name, c, most, m.count[key])
		}
	}
}
