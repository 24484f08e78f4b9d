package controller

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// t0 is the harness clock's start.
var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// tb is what the harness needs from *testing.T, *testing.B and *rapid.T.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
}

// harness is an in-memory cluster around Reconcile, in the manner of
// Nomad's scheduler test harness: it holds the objects, applies Changes the
// way the leader commits them (creates, updates, statuses, deletes, in
// batches, each batch atomic, preconditions checked like the FSM), plays a
// trivial scheduler and the node agents, owns a fake clock, and checks the
// controllers' guarantees after every committed batch.
type harness struct {
	t   tb
	cfg Config
	now time.Time
	// index counts commits, like the Raft index: it becomes
	// resourceVersion and seeds uids.
	index int
	objs  map[api.Key]api.Object
	// batch is how many objects one commit holds (1: every write is a
	// committed state that invariants are checked on).
	batch int
	// checkInputs fingerprints the state around each Reconcile to prove
	// it modifies nothing.
	checkInputs bool

	// readyFn says whether the agent reports a running pod Ready.
	readyFn func(*api.Pod) bool
	// partitioned maps a node to when its agent lost the cluster.
	partitioned map[string]time.Time
	// ghosts are StatefulSet pods deleted from the store while their
	// agent was cut off: they keep running until it fences itself.
	ghosts []ghost
	rr     int

	passes   int // Reconcile calls applied
	rejected int // batches that failed a precondition

	// ver counts changes to objs; the caches below are valid for cacheVer.
	ver, cacheVer int
	sorted        []api.Key
	children      map[string][]api.Key // by controller uid, in key order
}

type ghost struct {
	key   api.Key
	node  string
	until time.Time
}

func newHarness(t tb) *harness {
	return &harness{
		t: t, cfg: DefaultConfig(), now: t0, objs: map[api.Key]api.Object{},
		batch: 1, checkInputs: true,
		readyFn:     func(*api.Pod) bool { return true },
		partitioned: map[string]time.Time{},
	}
}

// ---- the store ----

func (h *harness) get(k api.Key) api.Object { return h.objs[k] }

// set and unset are the only writes to objs.
func (h *harness) set(k api.Key, o api.Object) { h.objs[k] = o; h.ver++ }
func (h *harness) unset(k api.Key)             { delete(h.objs, k); h.ver++ }

// keys returns every key, sorted.
func (h *harness) keys() []api.Key {
	h.reindex()
	return h.sorted
}

// reindex rebuilds the caches after a change.
func (h *harness) reindex() {
	if h.sorted != nil && h.cacheVer == h.ver {
		return
	}
	h.sorted = slices.Collect(maps.Keys(h.objs))
	slices.SortFunc(h.sorted, compareKeys)
	h.children = map[string][]api.Key{}
	for _, k := range h.sorted {
		if ref := controllerOf(h.objs[k].GetObjectMeta()); ref != nil {
			h.children[ref.UID] = append(h.children[ref.UID], k)
		}
	}
	h.cacheVer = h.ver
}

// state builds the snapshot a leader would pass to Reconcile.
func (h *harness) state() *State {
	s := &State{Now: h.now}
	for _, k := range h.keys() {
		switch o := h.objs[k].(type) {
		case *api.Node:
			s.Nodes = append(s.Nodes, o)
		case *api.Deployment:
			s.Deployments = append(s.Deployments, o)
		case *api.ReplicaSet:
			s.ReplicaSets = append(s.ReplicaSets, o)
		case *api.StatefulSet:
			s.StatefulSets = append(s.StatefulSets, o)
		case *api.DaemonSet:
			s.DaemonSets = append(s.DaemonSets, o)
		case *api.Pod:
			s.Pods = append(s.Pods, o)
		}
	}
	return s
}

// write stores o as an external writer (user, scheduler, agent) would:
// cluster metadata is stamped, generation follows spec changes. A user
// apply (keepStatus) keeps the stored status.
func (h *harness) write(o api.Object, keepStatus bool) api.Object {
	h.t.Helper()
	h.index++
	o = api.DeepCopy(o)
	api.Default(o)
	k := api.KeyOf(o)
	m := o.GetObjectMeta()
	if old, ok := h.objs[k]; ok {
		om := old.GetObjectMeta()
		m.UID, m.CreationTimestamp, m.Generation = om.UID, om.CreationTimestamp, om.Generation
		if !api.SpecEqual(old, o) {
			m.Generation++
		}
		if keepStatus {
			setStatus(o, old)
		}
	} else {
		m.UID = fmt.Sprintf("uid-%d-0", h.index)
		ts := h.now
		m.CreationTimestamp, m.Generation = &ts, 1
	}
	m.ResourceVersion = strconv.Itoa(h.index)
	h.set(k, o)
	return o
}

// put is a user's apply.
func (h *harness) put(o api.Object) api.Object { return h.write(o, true) }

// del is a user's delete.
func (h *harness) del(kind, namespace, name string) {
	h.t.Helper()
	k := api.Key{Kind: kind, Namespace: namespace, Name: name}
	if _, ok := h.objs[k]; !ok {
		h.t.Fatalf("delete %s: not found", k)
	}
	h.index++
	h.unset(k)
}

// setStatus copies the status of src into dst (same kind).
func setStatus(dst, src api.Object) {
	switch d := dst.(type) {
	case *api.Deployment:
		d.Status = api.DeepCopy(src.(*api.Deployment)).Status
	case *api.ReplicaSet:
		d.Status = api.DeepCopy(src.(*api.ReplicaSet)).Status
	case *api.StatefulSet:
		d.Status = api.DeepCopy(src.(*api.StatefulSet)).Status
	case *api.DaemonSet:
		d.Status = api.DeepCopy(src.(*api.DaemonSet)).Status
	case *api.Pod:
		d.Status = api.DeepCopy(src.(*api.Pod)).Status
	case *api.Node:
		d.Status = api.DeepCopy(src.(*api.Node)).Status
	}
}

// ---- the controllers ----

// reconcile runs one pass over the current state and checks the Changes
// are well formed and justified, without applying them.
func (h *harness) reconcile() Changes {
	h.t.Helper()
	st := h.state()
	var before map[api.Key]string
	if h.checkInputs {
		before = h.fingerprint()
	}
	ch := Reconcile(st, h.cfg)
	if h.checkInputs {
		if after := h.fingerprint(); !maps.Equal(before, after) {
			h.t.Fatalf("Reconcile modified the objects it was given")
		}
	}
	h.checkChanges(st, ch)
	return ch
}

// step runs one pass and commits it.
func (h *harness) step() Changes {
	h.t.Helper()
	ch := h.reconcile()
	h.commit(ch, -1)
	return ch
}

// commit applies ch the way the leader does: creates, updates, statuses,
// deletes, in batches of h.batch, each batch atomic. If stopAfter ≥ 0, only
// that many batches are committed (the leader died).
func (h *harness) commit(ch Changes, stopAfter int) {
	h.t.Helper()
	h.passes++
	pre := h.measure()
	type batch struct {
		run func() error
	}
	var batches []batch
	for _, list := range []struct {
		objs  []api.Object
		apply func(api.Object, int) error
	}{{ch.Creates, h.applyCreate}, {ch.Updates, h.applyUpdate}, {ch.Statuses, h.applyStatus}} {
		for start := 0; start < len(list.objs); start += h.batch {
			objs, apply := list.objs[start:min(start+h.batch, len(list.objs))], list.apply
			batches = append(batches, batch{func() error { return h.atomically(objs, apply) }})
		}
	}
	for start := 0; start < len(ch.Deletes); start += h.batch {
		dels := ch.Deletes[start:min(start+h.batch, len(ch.Deletes))]
		batches = append(batches, batch{func() error { return h.applyDeletes(dels) }})
	}
	for i, b := range batches {
		if stopAfter >= 0 && i >= stopAfter {
			return
		}
		if err := b.run(); err != nil {
			h.rejected++
			h.t.Logf("batch rejected: %v", err)
		}
		h.checkInvariants(pre)
	}
}

// atomically applies objs with apply, or none of them if one fails.
func (h *harness) atomically(objs []api.Object, apply func(api.Object, int) error) error {
	saved := maps.Clone(h.objs)
	h.index++
	for i, o := range objs {
		if err := apply(o, i); err != nil {
			h.objs = saved
			h.ver++
			return err
		}
	}
	return nil
}

func (h *harness) applyCreate(o api.Object, pos int) error {
	k := api.KeyOf(o)
	if _, ok := h.objs[k]; ok {
		return fmt.Errorf("create %s: already exists", k)
	}
	o = api.DeepCopy(o)
	m := o.GetObjectMeta()
	m.UID = fmt.Sprintf("uid-%d-%d", h.index, pos)
	m.ResourceVersion = strconv.Itoa(h.index)
	ts := h.now
	m.CreationTimestamp, m.Generation = &ts, 1
	h.set(k, o)
	return nil
}

func (h *harness) precondition(o api.Object) (api.Object, error) {
	k := api.KeyOf(o)
	old, ok := h.objs[k]
	if !ok {
		return nil, fmt.Errorf("write %s: not found", k)
	}
	om, m := old.GetObjectMeta(), o.GetObjectMeta()
	if m.ResourceVersion != om.ResourceVersion {
		return nil, fmt.Errorf("write %s: resourceVersion is %s, not %s", k, om.ResourceVersion, m.ResourceVersion)
	}
	if m.UID != "" && m.UID != om.UID {
		return nil, fmt.Errorf("write %s: uid is %s, not %s", k, om.UID, m.UID)
	}
	return old, nil
}

func (h *harness) applyUpdate(o api.Object, _ int) error {
	old, err := h.precondition(o)
	if err != nil {
		return err
	}
	o = api.DeepCopy(o)
	om, m := old.GetObjectMeta(), o.GetObjectMeta()
	m.UID, m.CreationTimestamp, m.Generation = om.UID, om.CreationTimestamp, om.Generation
	if !api.SpecEqual(old, o) {
		m.Generation++
	}
	m.ResourceVersion = strconv.Itoa(h.index)
	h.set(api.KeyOf(o), o)
	return nil
}

func (h *harness) applyStatus(o api.Object, _ int) error {
	old, err := h.precondition(o)
	if err != nil {
		return err
	}
	cp := api.DeepCopy(old)
	setStatus(cp, o)
	cp.GetObjectMeta().ResourceVersion = strconv.Itoa(h.index)
	h.set(api.KeyOf(cp), cp)
	return nil
}

func (h *harness) applyDeletes(dels []Delete) error {
	h.index++
	for _, d := range dels {
		old, ok := h.objs[d.Key]
		if !ok {
			return fmt.Errorf("delete %s: not found", d.Key)
		}
		if d.UID != old.GetObjectMeta().UID {
			return fmt.Errorf("delete %s: uid is %s, not %s", d.Key, old.GetObjectMeta().UID, d.UID)
		}
	}
	for _, d := range dels {
		if pod, ok := h.objs[d.Key].(*api.Pod); ok {
			h.noteGhost(pod)
		}
		h.unset(d.Key)
	}
	return nil
}

// noteGhost remembers a StatefulSet pod deleted while its agent is cut
// off: the agent cannot see the delete and runs it until it fences itself.
func (h *harness) noteGhost(pod *api.Pod) {
	since, cut := h.partitioned[pod.Spec.NodeName]
	ref := controllerOf(&pod.ObjectMeta)
	if !cut || ref == nil || ref.Kind != "StatefulSet" || pod.Status.Phase != api.PodRunning {
		return
	}
	h.ghosts = append(h.ghosts, ghost{key: api.KeyOf(pod), node: pod.Spec.NodeName, until: since.Add(h.cfg.FenceAfter)})
}

// ---- the rest of the cluster ----

// schedule binds unbound Pending pods round-robin to Ready, schedulable
// nodes that match their nodeSelector (and their volume node, if pinned).
func (h *harness) schedule() bool {
	var nodes []*api.Node
	for _, k := range h.keys() {
		if n, ok := h.objs[k].(*api.Node); ok && n.IsReady() && !n.Spec.Unschedulable {
			nodes = append(nodes, n)
		}
	}
	changed := false
	for _, k := range h.keys() {
		pod, ok := h.objs[k].(*api.Pod)
		if !ok || pod.Spec.NodeName != "" || pod.Status.Phase != api.PodPending {
			continue
		}
		var fit []string
		for _, n := range nodes {
			pin := pod.Annotations[AnnotationVolumeNode]
			if selectorMatches(pod.Spec.NodeSelector, n.Labels) && (pin == "" || pin == n.Name) {
				fit = append(fit, n.Name)
			}
		}
		if len(fit) == 0 {
			continue
		}
		cp := api.DeepCopy(pod)
		cp.Spec.NodeName = fit[h.rr%len(fit)]
		h.rr++
		h.write(cp, false)
		changed = true
	}
	return changed
}

// agents plays every reachable node's agent: bound Pending pods start
// Running, and Running pods report Ready as readyFn says.
func (h *harness) agents() bool {
	h.t.Helper()
	h.expireGhosts()
	changed := false
	for _, k := range h.keys() {
		pod, ok := h.objs[k].(*api.Pod)
		if !ok || pod.Spec.NodeName == "" || isTerminal(pod) || !h.reachable(pod.Spec.NodeName) {
			continue
		}
		cp := api.DeepCopy(pod)
		if cp.Status.Phase != api.PodRunning {
			for _, g := range h.ghosts {
				if g.key == k {
					h.t.Fatalf("%s starts on %s while its old instance still runs on cut-off node %s (until %s)",
						k, pod.Spec.NodeName, g.node, g.until.Sub(t0))
				}
			}
			cp.Status.Phase = api.PodRunning
		}
		want := api.ConditionFalse
		if h.readyFn(cp) {
			want = api.ConditionTrue
		}
		if c := podReadyCondition(cp); c == nil || c.Status != want {
			setPodCondition(&cp.Status, api.PodCondition{Type: api.PodReady, Status: want}, h.now)
		}
		if !sameJSON(cp, pod) {
			h.write(cp, false)
			changed = true
		}
	}
	return changed
}

// reachable reports whether the node's agent can write to the cluster.
func (h *harness) reachable(node string) bool {
	n, ok := h.objs[api.Key{Kind: "Node", Name: node}].(*api.Node)
	_, cut := h.partitioned[node]
	return ok && n.IsReady() && !cut
}

// expireGhosts forgets ghosts whose agent has fenced itself or is back.
func (h *harness) expireGhosts() {
	h.ghosts = slices.DeleteFunc(h.ghosts, func(g ghost) bool {
		_, cut := h.partitioned[g.node]
		return !cut || !h.now.Before(g.until)
	})
}

func (h *harness) advance(d time.Duration) { h.now = h.now.Add(d) }

// addNode adds a Ready node.
func (h *harness) addNode(name string, labels map[string]string) {
	n := &api.Node{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Node"}, ObjectMeta: api.ObjectMeta{Name: name, Labels: labels}}
	h.setReady(n, api.ConditionTrue)
	h.write(n, false)
}

func (h *harness) node(name string) *api.Node {
	n, _ := h.objs[api.Key{Kind: "Node", Name: name}].(*api.Node)
	return n
}

func (h *harness) setReady(n *api.Node, st api.ConditionStatus) {
	ts := h.now
	n.Status.Conditions = []api.NodeCondition{{Type: api.NodeReady, Status: st, LastTransitionTime: &ts}}
}

// failNode cuts the node's agent off; gossip marks it not Ready at once
// (the worst case for fencing: in real life detection comes later).
func (h *harness) failNode(name string) {
	if _, cut := h.partitioned[name]; cut {
		return
	}
	h.partitioned[name] = h.now
	n := api.DeepCopy(h.node(name))
	h.setReady(n, api.ConditionUnknown)
	h.write(n, false)
}

// recoverNode reconnects the node; its agent sees which of its pods were
// deleted meanwhile and stops them.
func (h *harness) recoverNode(name string) {
	if _, cut := h.partitioned[name]; !cut {
		return
	}
	delete(h.partitioned, name)
	h.expireGhosts()
	n := api.DeepCopy(h.node(name))
	h.setReady(n, api.ConditionTrue)
	h.write(n, false)
}

// labelNode sets (or with value "", removes) a node label.
func (h *harness) labelNode(name, key, value string) {
	n := api.DeepCopy(h.node(name))
	if value == "" {
		delete(n.Labels, key)
	} else {
		n.Labels = withLabel(n.Labels, key, value)
	}
	h.write(n, true)
}

// settle runs controller passes, scheduler and agents until nothing
// changes (a fixpoint: Reconcile returns Empty and nobody else moves),
// then checks the fixpoint invariants. It returns the passes it took.
func (h *harness) settle() int {
	h.t.Helper()
	start := h.passes
	for i := 0; i < 200; i++ {
		ch := h.step()
		s := h.schedule()
		a := h.agents()
		if ch.Empty() && !s && !a {
			h.checkFixpoint()
			return h.passes - start
		}
	}
	h.t.Fatalf("no fixpoint after 200 passes")
	return 0
}

// settleFor settles, advancing the clock by step until d has passed.
func (h *harness) settleFor(d, step time.Duration) {
	h.t.Helper()
	for end := h.now.Add(d); h.now.Before(end); h.advance(step) {
		h.settle()
	}
	h.settle()
}

// restart is a leader change: a new harness (a new leader) holding a copy
// of the committed objects and nothing else.
func (h *harness) restart() *harness {
	n := newHarness(h.t)
	n.cfg, n.now, n.index, n.batch, n.readyFn, n.rr = h.cfg, h.now, h.index, h.batch, h.readyFn, h.rr
	n.partitioned, n.ghosts = maps.Clone(h.partitioned), slices.Clone(h.ghosts)
	for k, o := range h.objs {
		n.set(k, api.DeepCopy(o))
	}
	return n
}

func (h *harness) fingerprint() map[api.Key]string {
	out := make(map[api.Key]string, len(h.objs))
	for k, o := range h.objs {
		b, err := json.Marshal(o)
		if err != nil {
			h.t.Fatalf("marshal %s: %v", k, err)
		}
		out[k] = string(b)
	}
	return out
}

// ---- queries ----

func (h *harness) deployment(name string) *api.Deployment {
	d, _ := h.objs[api.Key{Kind: "Deployment", Namespace: "default", Name: name}].(*api.Deployment)
	return d
}

func (h *harness) statefulSet(name string) *api.StatefulSet {
	s, _ := h.objs[api.Key{Kind: "StatefulSet", Namespace: "default", Name: name}].(*api.StatefulSet)
	return s
}

func (h *harness) daemonSet(name string) *api.DaemonSet {
	s, _ := h.objs[api.Key{Kind: "DaemonSet", Namespace: "default", Name: name}].(*api.DaemonSet)
	return s
}

// ownedBy lists the objects of kind whose controller has the uid, by name.
func (h *harness) ownedBy(kind, uid string) []api.Object {
	h.reindex()
	var out []api.Object
	for _, k := range h.children[uid] {
		if k.Kind == kind {
			out = append(out, h.objs[k])
		}
	}
	return out
}

func (h *harness) replicaSets(d *api.Deployment) []*api.ReplicaSet {
	var out []*api.ReplicaSet
	for _, o := range h.ownedBy("ReplicaSet", d.UID) {
		out = append(out, o.(*api.ReplicaSet))
	}
	return out
}

// podsOf lists the pods of a Deployment (through its ReplicaSets), a
// StatefulSet or a DaemonSet, by name.
func (h *harness) podsOf(owner api.Object) []*api.Pod {
	var out []*api.Pod
	uids := []string{owner.GetObjectMeta().UID}
	if d, ok := owner.(*api.Deployment); ok {
		uids = nil
		for _, rs := range h.replicaSets(d) {
			uids = append(uids, rs.UID)
		}
	}
	for _, uid := range uids {
		for _, o := range h.ownedBy("Pod", uid) {
			out = append(out, o.(*api.Pod))
		}
	}
	slices.SortFunc(out, func(a, b *api.Pod) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// activePods filters podsOf to pods that are not Failed or Succeeded.
func (h *harness) activePods(owner api.Object) []*api.Pod {
	return slices.DeleteFunc(h.podsOf(owner), func(p *api.Pod) bool { return !isActive(p) })
}

// available is the harness's own availability rule: Running, Ready for
// minReadySeconds, on a Ready node.
func (h *harness) available(pod *api.Pod, minReady int32) bool {
	c := podReadyCondition(pod)
	n := h.node(pod.Spec.NodeName)
	return isActive(pod) && pod.Status.Phase == api.PodRunning && n != nil && n.IsReady() &&
		c != nil && c.Status == api.ConditionTrue && c.LastTransitionTime != nil &&
		!h.now.Before(c.LastTransitionTime.Add(time.Duration(minReady)*time.Second))
}

// images lists the first container image of each pod, sorted.
func images(pods []*api.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Spec.Containers[0].Image)
	}
	slices.Sort(out)
	return out
}

func names(pods []*api.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}
