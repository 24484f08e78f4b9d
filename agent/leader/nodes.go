package leader

import (
	"context"
	"net/netip"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/gossip"
	"github.com/shoal-dev/shoal/placement"
	"github.com/shoal-dev/shoal/placement/controller"
)

// reconcileNodes makes the Node objects match gossip: one per member, its
// Ready condition following the member's health; a member that left
// gracefully loses its Node; a new Node gets a pod CIDR from
// clusterCIDR. All changes go in one command.
func (l *Leader) reconcileNodes(ctx context.Context, clusterCIDR string) {
	var puts []api.Object
	var dels []api.Key
	seen := map[string]bool{}
	cluster, _ := netip.ParsePrefix(clusterCIDR) // validated in the agent's Config
	used := usedPodCIDRs(l.cfg.View.List("Node", "", nil))
	for _, m := range l.cfg.Gossip.Members() {
		seen[m.Name] = true
		cur, exists := l.cfg.View.Get("Node", "", m.Name)
		if m.Status == gossip.StatusLeft {
			if exists {
				dels = append(dels, api.Key{Kind: "Node", Name: m.Name})
			}
			continue
		}
		var old *api.Node
		if exists {
			old = cur.(*api.Node)
		}
		want := desiredNode(old, m, l.hosts.observe(ctx, m, time.Now()))
		if want == nil && old.Spec.PodCIDR == "" {
			want = api.DeepCopy(old)
		}
		if want != nil && want.Spec.PodCIDR == "" {
			if cidr, ok := nextPodCIDR(cluster, used); ok {
				used[cidr] = true
				want.Spec.PodCIDR = cidr.String()
			} else {
				l.log.Warn("cluster network full: no pod CIDR for node", "node", m.Name, "cluster_cidr", clusterCIDR)
			}
		}
		if want != nil {
			puts = append(puts, want)
		}
	}
	now := time.Now()
	if len(puts) > 0 {
		if _, err := l.cfg.Proposer.Propose(ctx, consensus.Put{Objects: puts, Mode: consensus.ModeReplace, Time: now}); err != nil {
			l.log.Warn("update node objects", "err", err)
		}
	}
	if len(dels) > 0 {
		if _, err := l.cfg.Proposer.Propose(ctx, consensus.Delete{Keys: dels}); err != nil {
			l.log.Warn("delete node objects of members that left", "err", err)
		}
	}
}

// desiredNode returns the Node object member m should have, or nil if old
// already says it. It keeps what users set (spec, extra metadata). host
// is the latest probe of m's machine (nil for none).
func desiredNode(old *api.Node, m gossip.Member, host *hostVerdict) *api.Node {
	var n *api.Node
	if old != nil {
		n = api.DeepCopy(old)
	} else {
		obj, _ := api.New("Node")
		n = obj.(*api.Node)
		n.Name = m.Name
	}
	n.Labels = mergeLabels(n.Labels, m.Meta.Labels)
	maxPods := int64(m.Meta.MaxPods)
	if maxPods == 0 {
		maxPods = placement.DefaultMaxPods
	}
	capacity := api.ResourceList{
		"cpu":               api.NewMilliQuantity(m.Meta.CPU, api.DecimalSI),
		"memory":            api.NewQuantity(m.Meta.Memory, api.BinarySI),
		"ephemeral-storage": api.NewQuantity(m.Meta.Disk, api.BinarySI),
		"pods":              api.NewQuantity(maxPods, api.DecimalSI),
	}
	n.Status.Capacity = capacity
	n.Status.Allocatable = capacity
	n.Status.Addresses = []api.NodeAddress{
		{Type: api.NodeInternalIP, Address: m.Meta.Addr},
		{Type: api.NodeHostname, Address: m.Name},
	}
	n.Status.NodeInfo.OperatingSystem = m.Meta.Labels["kubernetes.io/os"]
	n.Status.NodeInfo.Architecture = m.Meta.Labels["kubernetes.io/arch"]
	n.Status.NodeInfo.ContainerRuntimeVersion = m.Meta.Runtime

	status, reason, msg := api.ConditionTrue, "AgentAlive", "agent is alive in gossip"
	switch m.Status {
	case gossip.StatusSuspect:
		status, reason, msg = api.ConditionUnknown, "AgentSuspect", "agent is not answering gossip probes"
	case gossip.StatusDead:
		status, reason, msg = api.ConditionUnknown, "AgentDead", "gossip declared the agent dead"
	}
	// Not rounded to the second: node grace and the StatefulSet wait
	// (which must outlast the cut-off agent's --fence-after) count from
	// the moment the member stopped answering, never from before it.
	since := m.Since.UTC()
	ready := api.NodeCondition{Type: api.NodeReady, Status: status, Reason: reason, Message: msg, LastTransitionTime: &since}
	// The transition time moves only when the status does: a member going
	// from suspect to dead stays Unknown since it stopped answering, so
	// NodeGrace counts from the first missed probe, not from the end of
	// gossip's suspicion timeout.
	if c := n.Condition(api.NodeReady); c != nil && c.Status == status && c.LastTransitionTime != nil {
		ready.LastTransitionTime = c.LastTransitionTime
	}
	conds := []api.NodeCondition{ready}
	if c := hostReachable(n.Condition(controller.NodeHostReachable), *ready.LastTransitionTime, m, host); c != nil {
		conds = append(conds, *c)
	}
	if m.Meta.Runtime != "" {
		conds = append(conds, diskPressure(n.Condition(api.NodeDiskPressure), m.Meta.DiskPressure, time.Now()))
	}
	n.Status.Conditions = conds

	if old != nil && api.SameJSON(old.Labels, n.Labels) && api.SameJSON(old.Status, n.Status) {
		return nil
	}
	return n
}

// diskPressure is the DiskPressure condition of a node that runs pods,
// from what it gossips; its transition time is kept from prev (the
// current condition, nil for none) while the status stays, else now.
func diskPressure(prev *api.NodeCondition, pressure bool, now time.Time) api.NodeCondition {
	c := api.NodeCondition{Type: api.NodeDiskPressure, Status: api.ConditionFalse, Reason: "AgentHasNoDiskPressure", Message: "agent has no disk pressure"}
	if pressure {
		c.Status, c.Reason, c.Message = api.ConditionTrue, "AgentHasDiskPressure", "agent has disk pressure: evicting pods, taking no new ones"
	}
	if prev != nil && prev.Status == c.Status && prev.LastTransitionTime != nil {
		c.LastTransitionTime = prev.LastTransitionTime
	} else {
		t := now.UTC().Truncate(time.Second)
		c.LastTransitionTime = &t
	}
	return c
}

// mergeLabels sets the labels a node gossips about itself over the ones it
// has; labels set by users on the Node object stay.
func mergeLabels(have, gossiped map[string]string) map[string]string {
	out := make(map[string]string, len(have)+len(gossiped))
	for k, v := range have {
		out[k] = v
	}
	for k, v := range gossiped {
		out[k] = v
	}
	return out
}

// hostReachable is the HostReachable condition of member m's Node: none
// while its agent answers gossip (alive) or left; else from the latest
// probe verdict host, or prev (the current condition) while there is no
// verdict yet (a new leader keeps its predecessor's evidence). Its
// transition time is when the probe that first found the status ended
// (no earlier than notReady, when the node stopped being Ready this
// time), kept while the status stays. A condition from before notReady
// is dropped, and so is a verdict found more than HostPreProbeWindow
// before it (a probe started on a missed ping may end just before the
// suspicion).
func hostReachable(prev *api.NodeCondition, notReady time.Time, m gossip.Member, host *hostVerdict) *api.NodeCondition {
	if m.Status != gossip.StatusSuspect && m.Status != gossip.StatusDead {
		return nil
	}
	if prev != nil && (prev.LastTransitionTime == nil || prev.LastTransitionTime.Before(notReady)) {
		prev = nil
	}
	if host != nil && host.At.Before(notReady.Add(-HostPreProbeWindow)) {
		host = nil
	}
	if host == nil {
		return prev
	}
	c := api.NodeCondition{Type: controller.NodeHostReachable, Status: api.ConditionTrue, Reason: controller.ReasonHostAnswers, Message: host.Detail}
	if !host.Reachable {
		c.Status, c.Reason = api.ConditionFalse, controller.ReasonHostSilent
	}
	at := host.At.UTC()
	if at.Before(notReady) {
		at = notReady.UTC()
	}
	c.LastTransitionTime = &at
	if prev != nil && prev.Status == c.Status && prev.LastTransitionTime != nil {
		c.LastTransitionTime = prev.LastTransitionTime
	}
	return &c
}
