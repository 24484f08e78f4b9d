package controller

import (
	"time"

	"github.com/shoal-dev/shoal/api"
)

// NodeHostReachable is the Node condition that records indirect evidence
// about a node whose agent stopped answering gossip: True when its
// machine still answers on its node address (a TCP connect was accepted
// or refused, so its kernel runs: the agent is down or restarting, its
// pods may well be running), False when nothing answered within the
// probe's deadline (the machine is gone, or cut off). The leader sets it
// while the node is not Ready and removes it when the agent answers
// again.
const NodeHostReachable api.NodeConditionType = "HostReachable"

// Reasons of the NodeHostReachable condition.
const (
	// ReasonHostAnswers: the node address answered (accepted or refused
	// a connection).
	ReasonHostAnswers = "HostAnswers"
	// ReasonHostSilent: the node address did not answer in time, or the
	// network said the host is unreachable.
	ReasonHostSilent = "HostSilent"
)

// HostGoneSince returns when the machine of node n was found gone, and
// true, if n is not Ready and its HostReachable condition is False since
// no earlier than its Ready condition stopped being True (evidence from
// an earlier outage does not count).
func HostGoneSince(n *api.Node) (time.Time, bool) {
	if n == nil {
		return time.Time{}, false
	}
	ready, host := n.Condition(api.NodeReady), n.Condition(NodeHostReachable)
	if ready == nil || ready.Status == api.ConditionTrue || ready.LastTransitionTime == nil ||
		host == nil || host.Status != api.ConditionFalse || host.LastTransitionTime == nil ||
		host.LastTransitionTime.Before(*ready.LastTransitionTime) {
		return time.Time{}, false
	}
	return *host.LastTransitionTime, true
}

// HostGoneMaxNodeGrace is the node grace from which evidence that a
// machine is gone no longer shortens it: an operator who sets
// --node-grace to a minute or more asks to ride out outages (maintenance,
// a flaky link) whatever they look like, and a cut-off machine looks
// just like a dead one.
const HostGoneMaxNodeGrace = time.Minute

// fastLossKinds are the controllers whose pods are given up as soon as
// their node's machine is found gone: a ReplicaSet's pod may briefly run
// twice (a Deployment's rollout does that anyway), a DaemonSet's pod is
// only marked Failed (it is not replaced elsewhere). StatefulSet pods wait
// for fencing, Jobs and bare pods for NodeGrace.
var fastLossKinds = map[string]bool{"ReplicaSet": true, "DaemonSet": true}

// hostGone reports whether pod is given up early because its node's
// machine is gone (see HostGoneSince): it belongs to a ReplicaSet or a
// DaemonSet, has no toleration of its node's not-ready/unreachable taint
// of its own (a pod that asks to stay keeps its own time), and the
// evidence is not in the future, and NodeGrace is below
// HostGoneMaxNodeGrace. It returns how long the node has not
// been Ready.
func (p *pass) hostGone(pod *api.Pod) (bool, time.Duration) {
	ref := controllerOf(&pod.ObjectMeta)
	if ref == nil || !fastLossKinds[ref.Kind] || p.cfg.NodeGrace >= HostGoneMaxNodeGrace {
		return false, 0
	}
	n := p.nodes[pod.Spec.NodeName]
	since, ok := HostGoneSince(n)
	if !ok || p.now.Before(since) {
		return false, 0
	}
	for _, key := range []string{api.TaintNodeUnreachable, api.TaintNodeNotReady} {
		if api.Tolerating(pod.Spec.Tolerations, &api.Taint{Key: key, Effect: api.TaintNoExecute}) != nil {
			return false, 0
		}
	}
	return true, p.now.Sub(*n.Condition(api.NodeReady).LastTransitionTime)
}
