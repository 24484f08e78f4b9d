package controller

// The harness's cluster around the store: scheduler, node agents, clock,
// node health, fixpoints, leader changes, and queries for assertions.

import (
	"cmp"
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/shoal-dev/shoal/api"
)

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
			pin := pod.Annotations[api.AnnotationVolumeNode]
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
// Running, Running pods report Ready as readyFn says, and Terminating pods
// are removed stopDelay after they were marked (the agent stopped them).
func (h *harness) agents() bool {
	h.t.Helper()
	h.expireGhosts()
	changed := false
	for _, k := range h.keys() {
		pod, ok := h.objs[k].(*api.Pod)
		if !ok || pod.Spec.NodeName == "" || !h.reachable(pod.Spec.NodeName) {
			continue
		}
		if ts := pod.DeletionTimestamp; ts != nil {
			marked := ts.Add(-time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second)
			if !h.now.Before(marked.Add(h.stopDelay)) {
				h.index++
				h.unset(k)
				changed = true
			}
			continue
		}
		if isTerminal(pod) {
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
	n.Status.NodeInfo.ContainerRuntimeVersion = "containerd"
	h.setReady(n, api.ConditionTrue)
	nodes := 0
	for _, k := range h.keys() {
		if k.Kind == "Node" {
			nodes++
		}
	}
	n.Status.Addresses = []api.NodeAddress{{Type: api.NodeInternalIP, Address: "192.0.2." + itoa(nodes+1)}}
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
	n.graceful, n.stopDelay = h.graceful, h.stopDelay
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
