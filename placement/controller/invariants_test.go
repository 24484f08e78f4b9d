package controller

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/shoal-dev/shoal/api"
)

// metrics are what invariants compare before and after a commit.
type metrics struct {
	// active and available pods, and revisions with active pods, per
	// Deployment.
	active, available, revisions map[api.Key]int
	// unavailable counts eligible nodes without an available pod, per
	// DaemonSet.
	unavailable map[api.Key]int
}

func (h *harness) measure() metrics {
	m := metrics{active: map[api.Key]int{}, available: map[api.Key]int{}, revisions: map[api.Key]int{}, unavailable: map[api.Key]int{}}
	for _, k := range h.keys() {
		switch o := h.objs[k].(type) {
		case *api.Deployment:
			revs := map[string]bool{}
			for _, pod := range h.activePods(o) {
				m.active[k]++
				revs[pod.Labels[api.LabelPodTemplateHash]] = true
				if h.available(pod, o.Spec.MinReadySeconds) {
					m.available[k]++
				}
			}
			m.revisions[k] = len(revs)
		case *api.DaemonSet:
			have := map[string]bool{}
			for _, pod := range h.activePods(o) {
				if h.available(pod, o.Spec.MinReadySeconds) {
					have[pod.Spec.NodeName] = true
				}
			}
			for _, n := range h.eligibleNodes(o) {
				if !have[n.Name] {
					m.unavailable[k]++
				}
			}
		}
	}
	return m
}

func (h *harness) eligibleNodes(ds *api.DaemonSet) []*api.Node {
	var out []*api.Node
	for _, k := range h.keys() {
		if n, ok := h.objs[k].(*api.Node); ok && selectorMatches(ds.Spec.Template.Spec.NodeSelector, n.Labels) && toleratesNode(n, ds.Spec.Template.Spec.Tolerations) && affinityMatches(n, &ds.Spec.Template.Spec) {
			out = append(out, n)
		}
	}
	return out
}

// bounds resolves a Deployment's maxSurge and maxUnavailable (the
// harness's own reading of the Kubernetes rules).
func bounds(d *api.Deployment) (replicas, surge, unavailable int) {
	replicas = int(*d.Spec.Replicas)
	if d.Spec.Strategy.Type == api.RecreateDeploymentStrategyType {
		return replicas, 0, replicas
	}
	ru := d.Spec.Strategy.RollingUpdate
	surge, _ = ru.MaxSurge.ScaledValue(replicas, true)
	unavailable, _ = ru.MaxUnavailable.ScaledValue(replicas, false)
	if surge == 0 && unavailable == 0 {
		unavailable = 1
	}
	return replicas, surge, unavailable
}

// checkInvariants runs after every committed batch. pre was measured
// before the first batch of the pass, so each check reads "the controller
// never made it worse than its bound".
func (h *harness) checkInvariants(pre metrics) {
	h.t.Helper()
	now := h.measure()
	for _, k := range h.keys() {
		switch o := h.objs[k].(type) {
		case *api.Deployment:
			replicas, surge, unavailable := bounds(o)
			if a := now.active[k]; a > pre.active[k] && a > replicas+surge {
				h.t.Fatalf("%s: got %d pods, want at most %d (replicas %d + maxSurge %d)", k, a, replicas+surge, replicas, surge)
			}
			// NoExecute evictions, like node loss, are outside the rollout bounds.
			if a := now.available[k]; a < pre.available[k] && a < replicas-unavailable && !h.noExecuteTainted() {
				h.t.Fatalf("%s: got %d available pods (had %d), want at least %d (replicas %d - maxUnavailable %d)",
					k, a, pre.available[k], replicas-unavailable, replicas, unavailable)
			}
			if o.Spec.Strategy.Type == api.RecreateDeploymentStrategyType && now.revisions[k] > max(1, pre.revisions[k]) {
				h.t.Fatalf("%s: got pods of %d revisions at once under Recreate", k, now.revisions[k])
			}
		case *api.DaemonSet:
			// A Terminating pod still runs: no second pod joins it.
			perNode := map[string]int{}
			for _, pod := range h.podsOf(o) {
				if isTerminal(pod) {
					continue
				}
				if perNode[pod.Spec.NodeName]++; perNode[pod.Spec.NodeName] > 1 {
					h.t.Fatalf("%s: got %d running or terminating pods on node %s, want at most 1", k, perNode[pod.Spec.NodeName], pod.Spec.NodeName)
				}
			}
			limit := daemonMaxUnavailable(o, len(h.eligibleNodes(o)))
			if u := now.unavailable[k]; u > pre.unavailable[k] && u > limit {
				h.t.Fatalf("%s: got %d nodes without an available pod (had %d), want at most %d", k, u, pre.unavailable[k], limit)
			}
		case *api.Job:
			h.checkJob(o)
		case *api.StatefulSet:
			for _, pod := range h.podsOf(o) {
				ord, ok := ordinalOf(o.Name, pod.Name)
				if !ok || pod.Labels[api.LabelStatefulSetPodName] != pod.Name || pod.Spec.Hostname != pod.Name ||
					pod.Spec.Subdomain != o.Spec.ServiceName {
					h.t.Fatalf("%s: pod %s (ordinal %d) has no proper identity: labels %v hostname %q subdomain %q",
						k, pod.Name, ord, pod.Labels, pod.Spec.Hostname, pod.Spec.Subdomain)
				}
			}
		}
	}
}

// checkFixpoint runs when nothing moves any more.
func (h *harness) checkFixpoint() {
	h.t.Helper()
	live := map[string]bool{}
	for _, o := range h.objs {
		live[o.GetObjectMeta().UID] = true
	}
	for _, k := range h.keys() {
		o := h.objs[k]
		if ref := controllerOf(o.GetObjectMeta()); ref != nil && !live[ref.UID] {
			h.t.Fatalf("%s: controller %s %s (uid %s) is gone", k, ref.Kind, ref.Name, ref.UID)
		}
		ds, ok := o.(*api.DaemonSet)
		if !ok {
			continue
		}
		pods := map[string][]*api.Pod{}
		for _, pod := range h.podsOf(ds) {
			pods[pod.Spec.NodeName] = append(pods[pod.Spec.NodeName], pod)
		}
		eligible := map[string]bool{}
		for _, n := range h.eligibleNodes(ds) {
			eligible[n.Name] = true
			got := pods[n.Name]
			switch {
			case n.IsReady() && (len(got) != 1 || !isActive(got[0]) && got[0].DeletionTimestamp == nil):
				h.t.Fatalf("%s: Ready node %s has pods %v, want exactly one active (or Terminating) pod", k, n.Name, names(got))
			case len(got) > 1:
				h.t.Fatalf("%s: node %s has pods %v, want at most one", k, n.Name, names(got))
			}
		}
		for node, got := range pods {
			got = slices.DeleteFunc(got, func(p *api.Pod) bool { return p.DeletionTimestamp != nil })
			if !eligible[node] && len(got) > 0 {
				h.t.Fatalf("%s: node %s is not eligible but has pods %v", k, node, names(got))
			}
		}
	}
}

// checkChanges checks that ch is well formed against the state it was
// computed from, and that every decision has its reason.
func (h *harness) checkChanges(st *State, ch Changes) {
	h.t.Helper()
	objs := map[api.Key]api.Object{}
	live := map[string]bool{}
	for _, k := range h.keys() {
		objs[k] = h.objs[k]
		live[h.objs[k].GetObjectMeta().UID] = true
	}
	seen := map[api.Key]string{}
	note := func(k api.Key, list string) {
		if prev, dup := seen[k]; dup {
			h.t.Fatalf("%s is written twice in one pass (%s and %s)", k, prev, list)
		}
		seen[k] = list
	}
	sorted := func(list string, ks []api.Key) {
		if !slices.IsSortedFunc(ks, compareKeys) {
			h.t.Fatalf("%s are not sorted by key: %v", list, ks)
		}
	}
	var ks []api.Key
	for _, o := range ch.Creates {
		k := api.KeyOf(o)
		note(k, "create")
		ks = append(ks, k)
		m := o.GetObjectMeta()
		if m.UID != "" || m.ResourceVersion != "" {
			h.t.Fatalf("create %s carries uid %q resourceVersion %q", k, m.UID, m.ResourceVersion)
		}
		if ev, ok := o.(*api.Event); ok {
			if !live[ev.InvolvedObject.UID] {
				h.t.Fatalf("create %s: about %v, which is not a live object", k, ev.InvolvedObject)
			}
		} else if c, ok := o.(*api.PersistentVolumeClaim); ok {
			if !h.statefulClaim(c) {
				h.t.Fatalf("create %s: not a claim of a live StatefulSet's volumeClaimTemplates", k)
			}
		} else if ref := controllerOf(m); ref == nil || !live[ref.UID] {
			h.t.Fatalf("create %s: controller %v is not a live object", k, ref)
		}
		if pod, ok := o.(*api.Pod); ok && pod.Status.Phase != api.PodPending {
			h.t.Fatalf("create %s: got phase %q, want Pending", k, pod.Status.Phase)
		}
	}
	sorted("creates", ks)
	for _, list := range []struct {
		name string
		objs []api.Object
	}{{"update", ch.Updates}, {"status", ch.Statuses}} {
		ks = nil
		for _, o := range list.objs {
			k := api.KeyOf(o)
			note(k, list.name)
			ks = append(ks, k)
			old := objs[k]
			if old == nil || old.GetObjectMeta().ResourceVersion != o.GetObjectMeta().ResourceVersion {
				h.t.Fatalf("%s %s does not carry the resourceVersion it was computed from", list.name, k)
			}
			if pod, ok := o.(*api.Pod); ok && list.name == "status" {
				h.checkNodeLost(pod)
			}
		}
		sorted(list.name+"s", ks)
	}
	ks = nil
	for _, d := range ch.Deletes {
		note(d.Key, "delete")
		ks = append(ks, d.Key)
		old := objs[d.Key]
		if old == nil || old.GetObjectMeta().UID != d.UID {
			h.t.Fatalf("delete %s: uid %q is not the stored object's", d.Key, d.UID)
		}
		if pod, ok := old.(*api.Pod); ok {
			h.checkFenced(pod)
			h.checkPodDelete(pod, d)
		}
	}
	sorted("deletes", ks)
	h.checkCounts(st, ch)
	for _, ss := range st.StatefulSets {
		h.checkStatefulDecisions(ss, ch)
	}
}

// checkNodeLost checks a pod is marked Failed only after its node has been
// lost for NodeGrace.
func (h *harness) checkNodeLost(pod *api.Pod) {
	h.t.Helper()
	if pod.Status.Phase != api.PodFailed {
		h.t.Fatalf("status of pod %s: got phase %q, want Failed", pod.Name, pod.Status.Phase)
	}
	if n := h.node(pod.Spec.NodeName); n != nil {
		c := n.Condition(api.NodeReady)
		if c.Status == api.ConditionTrue || h.now.Before(c.LastTransitionTime.Add(h.nodeGraceOf(pod))) && !h.machineGone(pod, n) {
			h.t.Fatalf("pod %s marked Failed at %s, but node %s is %s since %s (grace %s)",
				pod.Name, h.now.Sub(t0), n.Name, c.Status, c.LastTransitionTime.Sub(t0), h.cfg.NodeGrace)
		}
	}
}

// machineGone is the harness's own rule for giving up a pod before
// NodeGrace: a ReplicaSet or DaemonSet pod with no not-ready/unreachable
// toleration on a node whose machine was found silent (HostReachable
// False) since it stopped being Ready, no later than now.
func (h *harness) machineGone(pod *api.Pod, n *api.Node) bool {
	ref := controllerOf(&pod.ObjectMeta)
	if ref == nil || ref.Kind != "ReplicaSet" && ref.Kind != "DaemonSet" || len(pod.Spec.Tolerations) > 0 || h.cfg.NodeGrace >= HostGoneMaxNodeGrace {
		return false
	}
	ready, host := n.Condition(api.NodeReady), n.Condition(NodeHostReachable)
	return host != nil && host.Status == api.ConditionFalse && ready.Status != api.ConditionTrue &&
		!host.LastTransitionTime.Before(*ready.LastTransitionTime) && !h.now.Before(*host.LastTransitionTime)
}

// checkFenced checks a StatefulSet pod is deleted while its node is not
// Ready only once the node's agent has fenced itself.
func (h *harness) checkFenced(pod *api.Pod) {
	h.t.Helper()
	ref := controllerOf(&pod.ObjectMeta)
	n := h.node(pod.Spec.NodeName)
	if ref == nil || ref.Kind != "StatefulSet" || n == nil || n.IsReady() || isTerminal(pod) {
		return
	}
	c := n.Condition(api.NodeReady)
	if wait := max(h.cfg.NodeGrace, h.cfg.FenceAfter); h.now.Before(c.LastTransitionTime.Add(wait)) {
		h.t.Fatalf("deleted %s of node %s not Ready for only %s, want at least %s", pod.Name, n.Name,
			h.now.Sub(*c.LastTransitionTime), wait)
	}
}

// checkStatefulDecisions checks every create and delete of a
// StatefulSet's pods has its reason: order, reverse order, rolling update
// from the top, fencing.
func (h *harness) checkStatefulDecisions(ss *api.StatefulSet, ch Changes) {
	h.t.Helper()
	replicas := int(*ss.Spec.Replicas)
	ordered := ss.Spec.PodManagementPolicy != api.ParallelPodManagement
	rev := TemplateHash(&ss.Spec.Template)
	byOrd := map[int]*api.Pod{}
	for _, pod := range h.podsOf(ss) {
		ord, _ := ordinalOf(ss.Name, pod.Name)
		byOrd[ord] = pod
	}
	healthy := func(ord int) bool {
		pod := byOrd[ord]
		return pod != nil && h.available(pod, 0)
	}
	var created []int
	for _, o := range ch.Creates {
		if pod, ok := o.(*api.Pod); ok && controllerOf(&pod.ObjectMeta).UID == ss.UID {
			ord, ok := ordinalOf(ss.Name, pod.Name)
			if !ok || ord >= replicas || byOrd[ord] != nil {
				h.t.Fatalf("created %s: not a missing ordinal below %d", pod.Name, replicas)
			}
			created = append(created, ord)
			if v := pod.Annotations[api.AnnotationVolumeNode]; len(ss.Spec.VolumeClaimTemplates) > 0 && v == "" && h.volumeNode(ss, ord) != "" {
				h.t.Fatalf("created %s without its volume node %s", pod.Name, h.volumeNode(ss, ord))
			}
		}
	}
	if ordered {
		if len(created) > 1 {
			h.t.Fatalf("OrderedReady created %d pods at once (%v)", len(created), created)
		}
		for _, c := range created {
			for i := 0; i < c; i++ {
				if !healthy(i) {
					h.t.Fatalf("OrderedReady created %s-%d while %s-%d is not Running and Ready", ss.Name, c, ss.Name, i)
				}
			}
		}
	}
	var scaledDown, rolled []int
	for _, d := range ch.Deletes {
		pod, ok := h.objs[d.Key].(*api.Pod)
		if !ok || controllerOf(&pod.ObjectMeta) == nil || controllerOf(&pod.ObjectMeta).UID != ss.UID {
			continue
		}
		ord, _ := ordinalOf(ss.Name, pod.Name)
		switch {
		case isTerminal(pod):
		case pod.Spec.NodeName != "" && h.node(pod.Spec.NodeName) == nil:
		case pod.Spec.NodeName != "" && !h.node(pod.Spec.NodeName).IsReady():
			// Fencing is checked for every StatefulSet pod in checkChanges.
		case ord >= replicas:
			scaledDown = append(scaledDown, ord)
		default:
			rolled = append(rolled, ord)
		}
	}
	if ordered && len(scaledDown) > 0 {
		top := 0
		for ord := range byOrd {
			top = max(top, ord)
		}
		if len(scaledDown) > 1 || scaledDown[0] != top {
			h.t.Fatalf("OrderedReady scaled down %v, want only the highest ordinal %d", scaledDown, top)
		}
		for i := 0; i < top; i++ {
			if byOrd[i] != nil && !healthy(i) {
				h.t.Fatalf("OrderedReady deleted %s-%d while %s-%d is not Running and Ready", ss.Name, top, ss.Name, i)
			}
		}
	}
	if len(rolled) > 0 {
		partition := int(*ss.Spec.UpdateStrategy.RollingUpdate.Partition)
		if len(rolled) > 1 || ss.Spec.UpdateStrategy.Type == api.OnDeleteStatefulSetStrategyType {
			h.t.Fatalf("rolling update deleted %v at once (strategy %s)", rolled, ss.Spec.UpdateStrategy.Type)
		}
		r := rolled[0]
		if r < partition || byOrd[r].Labels[api.LabelControllerRevisionHash] == rev {
			h.t.Fatalf("rolling update deleted %s-%d (partition %d, revision %s, current %s)", ss.Name, r, partition,
				byOrd[r].Labels[api.LabelControllerRevisionHash], rev)
		}
		for i := 0; i < replicas; i++ {
			if !healthy(i) {
				h.t.Fatalf("rolling update deleted %s-%d while %s-%d is not Running and Ready", ss.Name, r, ss.Name, i)
			}
			if i > r && byOrd[i].Labels[api.LabelControllerRevisionHash] != rev {
				h.t.Fatalf("rolling update deleted %s-%d before the higher %s-%d", ss.Name, r, ss.Name, i)
			}
		}
	}
}

// volumeNode is the node the StatefulSet recorded for ordinal ord's first
// claim, or "".
func (h *harness) volumeNode(ss *api.StatefulSet, ord int) string {
	m := map[string]string{}
	if raw := ss.Annotations[api.AnnotationVolumeNodes]; raw != "" {
		_ = json.Unmarshal([]byte(raw), &m)
	}
	return m[claimName(ss.Spec.VolumeClaimTemplates[0].Name, ss.Name, ord)]
}

// checkPodDelete checks a pod delete is not churn and a forced one has its
// reason: a Terminating pod is deleted again only with Force, and Force
// only for a pod whose node runs no pods or is lost for NodeGrace (and, if the pod is
// Terminating, once its grace period has ended and, for a StatefulSet
// pod, the node's agent has fenced itself).
func (h *harness) checkPodDelete(pod *api.Pod, d Delete) {
	h.t.Helper()
	if pod.DeletionTimestamp != nil && !d.Force {
		h.t.Fatalf("delete %s: already Terminating (since %s), deleted again", pod.Name, pod.DeletionTimestamp.Sub(t0))
	}
	if !d.Force {
		return
	}
	wait := h.cfg.NodeGrace
	if ref := controllerOf(&pod.ObjectMeta); pod.DeletionTimestamp != nil && ref != nil && ref.Kind == "StatefulSet" {
		wait = max(h.cfg.NodeGrace, h.cfg.FenceAfter)
	}
	n := h.node(pod.Spec.NodeName)
	if n != nil && n.RunsPods() {
		c := n.Condition(api.NodeReady)
		if c.Status == api.ConditionTrue || h.now.Before(c.LastTransitionTime.Add(wait)) {
			h.t.Fatalf("force delete %s: node %s is %s since %s, want lost for %s", pod.Name, n.Name, c.Status, c.LastTransitionTime.Sub(t0), wait)
		}
	}
	if pod.DeletionTimestamp != nil && h.now.Before(*pod.DeletionTimestamp) {
		h.t.Fatalf("force delete %s at %s: its grace period ends at %s", pod.Name, h.now.Sub(t0), pod.DeletionTimestamp.Sub(t0))
	}
}

// checkCounts checks that the status a pass writes never counts a
// Terminating pod as a replica.
func (h *harness) checkCounts(st *State, ch Changes) {
	h.t.Helper()
	live := map[string]int32{}
	for _, pod := range st.Pods {
		if ref := controllerOf(&pod.ObjectMeta); ref != nil && pod.DeletionTimestamp == nil && !isTerminal(pod) {
			live[ref.UID]++
		}
	}
	for _, o := range slices.Concat(ch.Updates, ch.Statuses) {
		var replicas int32
		switch o := o.(type) {
		case *api.ReplicaSet:
			replicas = o.Status.Replicas
		case *api.StatefulSet:
			replicas = o.Status.Replicas
		case *api.DaemonSet:
			replicas = o.Status.CurrentNumberScheduled
		default:
			continue
		}
		if uid := o.GetObjectMeta().UID; replicas > live[uid] {
			h.t.Fatalf("status of %s counts %d replicas, but only %d of its pods are neither Terminating nor finished", api.KeyOf(o), replicas, live[uid])
		}
	}
}

// statefulClaim reports whether c is named TEMPLATE-SET-ORDINAL after a
// template of a live StatefulSet of its namespace: the one kind of object
// the controllers create without an owner (issue 12).
func (h *harness) statefulClaim(c *api.PersistentVolumeClaim) bool {
	for _, k := range h.keys() {
		ss, ok := h.objs[k].(*api.StatefulSet)
		if !ok || ss.Namespace != c.Namespace {
			continue
		}
		for _, ct := range ss.Spec.VolumeClaimTemplates {
			if rest, ok := strings.CutPrefix(c.Name, ct.Name+"-"); ok {
				if _, ok := ordinalOf(ss.Name, rest); ok {
					return true
				}
			}
		}
	}
	return false
}
