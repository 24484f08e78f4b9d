package controller

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/shoal-dev/shoal/api"
)

// syncDaemonSet keeps one pod of the set on every eligible node: a node
// whose labels match the template's nodeSelector, Ready or not, cordoned
// or not (as in Kubernetes). Pods are created bound to their node (the
// scheduler does not place them), except on a lost node. Pods on nodes that
// are gone or no longer eligible are deleted. A Failed pod stays while its
// node is not Ready (so it is not replaced anywhere else) and is deleted
// and recreated once the node is Ready again. A RollingUpdate deletes
// old-revision pods: unavailable ones at once, available ones only while
// at most maxUnavailable eligible nodes lack an available pod; the new pod
// comes on the next pass.
func (p *pass) syncDaemonSet(ds *api.DaemonSet) {
	rev := TemplateHash(&ds.Spec.Template)
	byNode := map[string][]*api.Pod{}
	for _, pod := range p.owned[ds.UID] {
		if pod.Spec.NodeName == "" {
			p.remove(pod)
			continue
		}
		byNode[pod.Spec.NodeName] = append(byNode[pod.Spec.NodeName], pod)
	}
	eligible := map[string]bool{}
	var nodes []string
	for _, n := range p.nodeList {
		if selectorMatches(ds.Spec.Template.Spec.NodeSelector, n.Labels) && toleratesNode(n, ds.Spec.Template.Spec.Tolerations) && affinityMatches(n, &ds.Spec.Template.Spec) {
			eligible[n.Name] = true
			nodes = append(nodes, n.Name)
		}
	}
	for _, node := range sortedKeys(byNode) {
		if !eligible[node] {
			for _, pod := range byNode[node] {
				p.remove(pod)
			}
		}
	}

	var tmpl templateJSON
	var running []*api.Pod // the one active pod per eligible node, or nil
	for _, node := range nodes {
		var active, terminal []*api.Pod
		keep := false // a pod that must stay and blocks a new one
		for _, pod := range byNode[node] {
			switch {
			case pod.DeletionTimestamp != nil:
				keep = true // Terminating: the next pod waits until it is gone
			case isActive(pod):
				active = append(active, pod)
			case isTerminal(pod):
				terminal = append(terminal, pod)
			}
		}
		// A Failed pod is replaced once its node is Ready; until then one
		// stays as the node's placeholder (unless the node runs another
		// pod), and any others go.
		if len(terminal) > 0 && !p.nodeReady(node) && len(active) == 0 {
			terminal = p.byKeepPreference(terminal, rev, ds.Spec.MinReadySeconds)[1:]
			keep = true
		}
		for _, pod := range terminal {
			p.remove(pod)
		}
		if len(active) > 1 {
			active = p.byKeepPreference(active, rev, ds.Spec.MinReadySeconds)
			for _, pod := range active[1:] {
				p.remove(pod)
			}
		}
		if len(active) == 0 && !keep && !p.nodeLost(node, p.cfg.NodeGrace) {
			if tmpl == nil {
				tmpl = encodeTemplate(&ds.Spec.Template)
			}
			p.create(p.daemonPod(ds, tmpl, node, rev))
		}
		if len(active) > 0 {
			running = append(running, active[0])
		} else {
			running = append(running, nil)
		}
	}
	if ds.Spec.UpdateStrategy.Type != api.OnDeleteDaemonSetStrategyType {
		p.rollDaemons(ds, running, rev, len(nodes))
	}

	st := p.daemonSetStatus(ds, byNode, eligible, rev)
	if !sameJSON(st, ds.Status) {
		cp := api.DeepCopy(ds)
		cp.Status = st
		p.status(cp)
	}
}

// rollDaemons deletes old-revision pods within the unavailability budget.
// running has one entry per eligible node: its active pod or nil.
func (p *pass) rollDaemons(ds *api.DaemonSet, running []*api.Pod, rev string, desired int) {
	maxUnavailable := daemonMaxUnavailable(ds, desired)
	unavailable := 0
	var unhealthyOld, healthyOld []*api.Pod
	for _, pod := range running {
		switch {
		case pod == nil || p.deleting(pod):
			unavailable++
		case pod.Labels[api.LabelControllerRevisionHash] == rev:
			if !p.isAvailable(pod, ds.Spec.MinReadySeconds) {
				unavailable++
			}
		case !p.isAvailable(pod, ds.Spec.MinReadySeconds):
			unavailable++
			unhealthyOld = append(unhealthyOld, pod)
		default:
			healthyOld = append(healthyOld, pod)
		}
	}
	for _, pod := range unhealthyOld {
		p.remove(pod) // costs no availability
	}
	for _, pod := range healthyOld[:min(len(healthyOld), max(0, maxUnavailable-unavailable))] {
		p.remove(pod)
	}
}

// daemonMaxUnavailable resolves maxUnavailable against the number of
// eligible nodes, rounding up; anything below one (including a maxSurge
// rollout, which Shoal does not do) is one.
func daemonMaxUnavailable(ds *api.DaemonSet, desired int) int {
	n := 1
	if ru := ds.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.MaxUnavailable != nil {
		if v, err := ru.MaxUnavailable.ScaledValue(desired, true); err == nil {
			n = v
		}
	}
	return max(n, 1)
}

// byKeepPreference sorts duplicate pods of one node so the one to keep is
// first: current revision, ready, oldest, then by name.
func (p *pass) byKeepPreference(pods []*api.Pod, rev string, minReady int32) []*api.Pod {
	out := slices.Clone(pods)
	slices.SortFunc(out, func(a, b *api.Pod) int {
		au, bu := a.Labels[api.LabelControllerRevisionHash] == rev, b.Labels[api.LabelControllerRevisionHash] == rev
		if au != bu {
			return boolFirst(au)
		}
		if ar, br := p.isAvailable(a, minReady), p.isAvailable(b, minReady); ar != br {
			return boolFirst(ar)
		}
		return cmp.Or(compareTimes(a.CreationTimestamp, b.CreationTimestamp), cmp.Compare(a.Name, b.Name))
	})
	return out
}

func boolFirst(a bool) int {
	if a {
		return -1
	}
	return 1
}

// daemonPod builds the set's pod for node, bound to it, named
// SET-xxxxx from a hash of the node name (the next hash if taken).
func (p *pass) daemonPod(ds *api.DaemonSet, tmpl templateJSON, node, rev string) *api.Pod {
	var name string
	for c := 0; ; c++ {
		seed := node
		if c > 0 {
			seed += "/" + strconv.Itoa(c)
		}
		if name = generatedName(ds.Name, seed); p.nameFree(ds.Namespace, name) {
			break
		}
	}
	pod := tmpl.newPod(ds.Namespace, name, controllerRef("DaemonSet", &ds.ObjectMeta))
	pod.Labels[api.LabelControllerRevisionHash] = rev
	pod.Spec.NodeName = node
	return pod
}

// daemonSetStatus counts the set's pods as they are now.
func (p *pass) daemonSetStatus(ds *api.DaemonSet, byNode map[string][]*api.Pod, eligible map[string]bool, rev string) api.DaemonSetStatus {
	st := api.DaemonSetStatus{ObservedGeneration: ds.Generation, DesiredNumberScheduled: int32(len(eligible))}
	for node, pods := range byNode {
		var active, ready, available, updated bool
		for _, pod := range pods {
			if !isActive(pod) {
				continue
			}
			active = true
			ready = ready || p.isReady(pod)
			available = available || p.isAvailable(pod, ds.Spec.MinReadySeconds)
			updated = updated || pod.Labels[api.LabelControllerRevisionHash] == rev
		}
		switch {
		case !active:
		case !eligible[node]:
			st.NumberMisscheduled++
		default:
			st.CurrentNumberScheduled++
			st.NumberReady += b2i(ready)
			st.NumberAvailable += b2i(available)
			st.UpdatedNumberScheduled += b2i(updated)
		}
	}
	return st
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// selectorMatches reports whether labels hold every pair of sel.
func selectorMatches(sel, labels map[string]string) bool {
	for k, v := range sel {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
