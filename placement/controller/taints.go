package controller

import (
	"time"

	"github.com/shoal-dev/shoal/api"
)

// evictNoExecute deletes, gracefully, the active pods bound to a node with
// a NoExecute taint they do not tolerate: at once, or, for a toleration
// with tolerationSeconds, once that long has passed since the taint's
// timeAdded (a taint without timeAdded never expires a toleration). Their
// controllers replace them on nodes that do not have the taint.
func (p *pass) evictNoExecute() {
	for _, pod := range p.pods {
		if pod.Spec.NodeName == "" || !isActive(pod) {
			continue
		}
		n := p.nodes[pod.Spec.NodeName]
		if n == nil || len(n.Spec.Taints) == 0 {
			continue
		}
		if due, ok := NoExecuteDue(n.Spec.Taints, pod.Spec.Tolerations); ok && !p.now.Before(due) {
			p.remove(pod)
		}
	}
}

// NoExecuteDue returns when a pod with these tolerations must leave a node
// with these taints, and false if it may stay for good: the zero time for
// a NoExecute taint it does not tolerate, else the earliest timeAdded +
// tolerationSeconds over the NoExecute taints it tolerates for a while.
func NoExecuteDue(taints []api.Taint, tolerations []api.Toleration) (time.Time, bool) {
	var due time.Time
	found := false
	for i := range taints {
		t := &taints[i]
		if t.Effect != api.TaintNoExecute {
			continue
		}
		tol := api.Tolerating(tolerations, t)
		if tol == nil {
			return time.Time{}, true
		}
		if tol.TolerationSeconds == nil || t.TimeAdded == nil {
			continue
		}
		at := t.TimeAdded.Add(time.Duration(max(*tol.TolerationSeconds, 0)) * time.Second)
		if !found || at.Before(due) {
			due, found = at, true
		}
	}
	return due, found
}

// lostAfter is how long pod waits on a node that is not Ready before it
// is given up: by default NodeGrace; a NoExecute toleration of
// node.kubernetes.io/not-ready (Ready False) or
// node.kubernetes.io/unreachable (Ready Unknown) sets it with its
// tolerationSeconds, or keeps the pod for good without them (ok false), as
// in Kubernetes.
func (p *pass) lostAfter(pod *api.Pod) (time.Duration, bool) {
	n := p.nodes[pod.Spec.NodeName]
	if n == nil {
		return p.cfg.NodeGrace, true
	}
	key := api.TaintNodeUnreachable
	if c := n.Condition(api.NodeReady); c != nil && c.Status == api.ConditionFalse {
		key = api.TaintNodeNotReady
	}
	tol := api.Tolerating(pod.Spec.Tolerations, &api.Taint{Key: key, Effect: api.TaintNoExecute})
	switch {
	case tol == nil:
		return p.cfg.NodeGrace, true
	case tol.TolerationSeconds == nil:
		return 0, false
	}
	return time.Duration(max(*tol.TolerationSeconds, 0)) * time.Second, true
}

// podNodeLost reports whether pod's node is lost for it (see lostAfter),
// and for how long it waited.
// A ReplicaSet or DaemonSet pod is lost at once when its node's machine
// was found gone (see hostGone).
func (p *pass) podNodeLost(pod *api.Pod) (bool, time.Duration) {
	after, ok := p.lostAfter(pod)
	if ok && p.nodeLost(pod.Spec.NodeName, after) {
		return true, after
	}
	if gone, waited := p.hostGone(pod); gone {
		return true, waited
	}
	return false, after
}

// toleratesNode reports whether a pod with these tolerations may be placed
// on n: every NoSchedule and NoExecute taint of n is tolerated (the
// scheduler's filter, for controllers that bind pods themselves).
func toleratesNode(n *api.Node, tolerations []api.Toleration) bool {
	for i := range n.Spec.Taints {
		t := &n.Spec.Taints[i]
		if t.Effect != api.TaintPreferNoSchedule && api.Tolerating(tolerations, t) == nil {
			return false
		}
	}
	return true
}

// affinityMatches reports whether n meets the pod spec's required node
// affinity (if any).
func affinityMatches(n *api.Node, spec *api.PodSpec) bool {
	req := spec.RequiredNodeSelector()
	return req == nil || req.Matches(n.Name, n.Labels)
}
