package controller

import (
	"fmt"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// ReasonNodeLost is the status reason of pods given up because their node
// stopped answering.
const ReasonNodeLost = "NodeLost"

// nodeLost reports whether pods bound to the named node should be given up
// after waiting `after`: the node object is gone (it left the cluster), or
// its Ready condition has not been True for at least `after` (measured
// from the condition's lastTransitionTime). A node that never reported a
// Ready condition, or reported one without a time, is not lost: there is
// no moment to count from.
func (p *pass) nodeLost(name string, after time.Duration) bool {
	return NodeLost(p.nodes[name], p.now, after)
}

// stopsPods reports whether the named node would stop a Terminating pod
// and confirm: it runs pods and is not lost (for NodeGrace).
func (p *pass) stopsPods(name string) bool {
	n := p.nodes[name]
	return n != nil && n.RunsPods() && !p.nodeLost(name, p.cfg.NodeGrace)
}

// NodeLost reports whether pods bound to node n (nil: the node is gone)
// should be given up at now after waiting `after`: the node is gone, or
// its Ready condition has not been True for at least `after`. The API uses
// it too, to remove at once a pod that no agent would stop.
func NodeLost(n *api.Node, now time.Time, after time.Duration) bool {
	if n == nil {
		return true
	}
	c := n.Condition(api.NodeReady)
	if c == nil || c.Status == api.ConditionTrue || c.LastTransitionTime == nil {
		return false
	}
	return !now.Before(c.LastTransitionTime.Add(after))
}

// expireTerminating removes Terminating pods whose node will never confirm
// that they stopped, once the pod's deletionTimestamp (the end of its
// grace period) has passed: the node runs no pods, or it is lost
// (NodeGrace; for StatefulSet pods max(NodeGrace, FenceAfter), so the
// cut-off agent has fenced the identity). A pod on a node that is merely slow, or back, is left to its
// node.
func (p *pass) expireTerminating() {
	for _, pod := range p.pods {
		if pod.DeletionTimestamp == nil || p.now.Before(*pod.DeletionTimestamp) {
			continue
		}
		wait := p.cfg.NodeGrace
		if ref := controllerOf(&pod.ObjectMeta); ref != nil && ref.Kind == "StatefulSet" {
			wait = p.cfg.statefulGrace()
		}
		if n := p.nodes[pod.Spec.NodeName]; n != nil && !n.RunsPods() || p.nodeLost(pod.Spec.NodeName, wait) {
			k := api.KeyOf(pod)
			p.deletes[k] = Delete{Key: k, UID: pod.UID, Force: true}
		}
	}
}

// failLostPods marks the active pods of ReplicaSets and DaemonSets on lost
// nodes (not Ready for NodeGrace, or for the tolerationSeconds of the pod's
// not-ready/unreachable toleration; or gone) as Failed with reason NodeLost
// and their Ready condition False, so services stop routing to them and
// status shows why. The ReplicaSet replaces them on the next pass, once the
// Failed phase is committed (so a committed state never holds both a lost
// pod that still counts and its replacement); the DaemonSet keeps its
// Failed pod until the node is Ready again. StatefulSet pods are left to
// the StatefulSet stage, which waits for fencing. Bare pods (no
// controller) are marked Failed too and then left alone: nothing replaces
// or deletes them, as nothing recreates a bare pod.
func (p *pass) failLostPods() {
	var uids []string
	for _, rs := range p.replicaSets {
		uids = append(uids, rs.UID)
	}
	for _, ds := range p.daemonSets {
		uids = append(uids, ds.UID)
	}
	for _, j := range p.jobs {
		uids = append(uids, j.UID)
	}
	for _, uid := range uids {
		for _, pod := range p.owned[uid] {
			if pod.Spec.NodeName == "" || !isActive(pod) {
				continue
			}
			if lost, after := p.podNodeLost(pod); lost {
				p.failPod(pod, after)
			}
		}
	}
	for _, pod := range p.pods {
		if controllerOf(&pod.ObjectMeta) != nil || pod.Spec.NodeName == "" || !isActive(pod) {
			continue
		}
		if lost, after := p.podNodeLost(pod); lost {
			p.failPod(pod, after)
		}
	}
}

// failPod marks one pod of a lost node, not Ready for after, Failed.
func (p *pass) failPod(pod *api.Pod, after time.Duration) {
	node := pod.Spec.NodeName
	cp := api.DeepCopy(pod)
	msg := fmt.Sprintf("node %s stopped answering and was not Ready for %s", node, after)
	if _, gone := HostGoneSince(p.nodes[node]); gone {
		msg = fmt.Sprintf("node %s stopped answering and its machine did not answer either (not Ready for %s)", node, after.Round(time.Millisecond))
	}
	if p.nodes[node] == nil {
		msg = fmt.Sprintf("node %s left the cluster", node)
	}
	cp.Status.Phase = api.PodFailed
	cp.Status.Reason = ReasonNodeLost
	cp.Status.Message = msg
	setPodCondition(&cp.Status, api.PodCondition{
		Type: api.PodReady, Status: api.ConditionFalse, Reason: ReasonNodeLost, Message: msg,
	}, p.now)
	p.status(cp)
}

// setPodCondition sets c on st, stamping lastTransitionTime with now when
// the status changes.
func setPodCondition(st *api.PodStatus, c api.PodCondition, now time.Time) {
	for i := range st.Conditions {
		if st.Conditions[i].Type != c.Type {
			continue
		}
		if st.Conditions[i].Status == c.Status {
			c.LastTransitionTime = st.Conditions[i].LastTransitionTime
		} else {
			t := now
			c.LastTransitionTime = &t
		}
		st.Conditions[i] = c
		return
	}
	t := now
	c.LastTransitionTime = &t
	st.Conditions = append(st.Conditions, c)
}
