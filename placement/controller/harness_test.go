package controller

import (
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

	// graceful makes pod deletes graceful, as the agent commits them: a
	// pod that may run is marked Terminating and its agent removes it
	// stopDelay later (if reachable).
	graceful  bool
	stopDelay time.Duration

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
		stopDelay:   2 * time.Second,
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
		case *api.Service:
			s.Services = append(s.Services, o)
		case *api.Event:
			s.Events = append(s.Events, o)
		case *api.Job:
			s.Jobs = append(s.Jobs, o)
		case *api.CronJob:
			s.CronJobs = append(s.CronJobs, o)
		case *api.PodDisruptionBudget:
			s.PodDisruptionBudgets = append(s.PodDisruptionBudgets, o)
		case *api.PriorityClass:
			s.PriorityClasses = append(s.PriorityClasses, o)
		case *api.PersistentVolumeClaim:
			s.Claims = append(s.Claims, o)
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

// del is a user's delete (graceful for pods in graceful mode).
func (h *harness) del(kind, namespace, name string) {
	h.t.Helper()
	k := api.Key{Kind: kind, Namespace: namespace, Name: name}
	o, ok := h.objs[k]
	if !ok {
		h.t.Fatalf("delete %s: not found", k)
	}
	h.index++
	if pod, ok := o.(*api.Pod); ok && h.graceful {
		if pod.DeletionTimestamp == nil && h.markTerminating(pod) {
			return
		}
	}
	h.unset(k)
}

// markTerminating is the FSM's graceful delete: a bound pod that is not
// finished is marked Terminating (deadline now plus its grace period)
// instead of removed. It reports whether the pod was kept.
func (h *harness) markTerminating(pod *api.Pod) bool {
	if pod.DeletionTimestamp != nil {
		return true
	}
	if pod.Spec.NodeName == "" || isTerminal(pod) {
		return false
	}
	grace := int64(api.DefaultTerminationGracePeriodSeconds)
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
		grace = *g
	}
	cp := api.DeepCopy(pod)
	deadline := h.now.Add(time.Duration(grace) * time.Second)
	cp.DeletionTimestamp, cp.DeletionGracePeriodSeconds = &deadline, &grace
	cp.ResourceVersion = strconv.Itoa(h.index)
	h.set(api.KeyOf(cp), cp)
	return true
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
	case *api.Service:
		d.Status = api.DeepCopy(src.(*api.Service)).Status
	case *api.Job:
		d.Status = api.DeepCopy(src.(*api.Job)).Status
	case *api.CronJob:
		d.Status = api.DeepCopy(src.(*api.CronJob)).Status
	case *api.PodDisruptionBudget:
		d.Status = api.DeepCopy(src.(*api.PodDisruptionBudget)).Status
	case *api.PersistentVolumeClaim:
		d.Status = api.DeepCopy(src.(*api.PersistentVolumeClaim)).Status
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
		pod, isPod := h.objs[d.Key].(*api.Pod)
		if isPod && h.graceful && !d.Force && h.markTerminating(pod) {
			continue
		}
		if isPod {
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
