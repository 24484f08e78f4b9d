package placement

import (
	"strconv"
	"strings"

	"github.com/shoal-dev/shoal/api"
)

// classSpec is what decides a pod's static filters: its nodeSelector, the
// node holding its volume, its tolerations, and whether PreferNoSchedule
// taints it does not tolerate are treated as hard (the first, preferred
// attempt) or ignored (the fallback).
type classSpec struct {
	selector    map[string]string
	pin         string
	tolerations []api.Toleration
	strict      bool
	// affinity is the pod's required node affinity, or nil.
	affinity *api.NodeSelector
	// preferred is the pod's preferred node affinity.
	preferred []api.PreferredSchedulingTerm
}

// key names the spec for the class cache: equal keys give equal classes.
func (cs classSpec) key() string {
	base := classKey(cs.selector, cs.pin)
	if len(cs.tolerations) == 0 && !cs.strict && cs.affinity == nil && len(cs.preferred) == 0 {
		return base
	}
	var b strings.Builder
	b.WriteString(base)
	for _, t := range cs.tolerations {
		b.WriteByte(3)
		b.WriteString(t.Key)
		b.WriteByte(0)
		b.WriteString(string(t.Operator))
		b.WriteByte(0)
		b.WriteString(t.Value)
		b.WriteByte(0)
		b.WriteString(string(t.Effect))
	}
	if cs.strict {
		b.WriteString("\x04strict")
	}
	if cs.affinity != nil {
		writeNodeSelector(&b, cs.affinity)
	}
	for _, t := range cs.preferred {
		b.WriteString("\x0a" + strconv.Itoa(int(t.Weight)))
		writeNodeSelector(&b, &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{t.Preference}})
	}
	return b.String()
}

// taintReject reports whether node n keeps a pod with these tolerations
// off: a NoSchedule or NoExecute taint it does not tolerate, or, when
// strict, a PreferNoSchedule one.
func taintReject(n *NodeInfo, tolerations []api.Toleration, strict bool) bool {
	for i := range n.Taints {
		t := &n.Taints[i]
		if t.Effect == api.TaintPreferNoSchedule && !strict {
			continue
		}
		if api.Tolerating(tolerations, t) == nil {
			return true
		}
	}
	return false
}

// prefersAvoiding reports whether node n has a PreferNoSchedule taint the
// tolerations do not tolerate.
func prefersAvoiding(n *NodeInfo, tolerations []api.Toleration) bool {
	for i := range n.Taints {
		t := &n.Taints[i]
		if t.Effect == api.TaintPreferNoSchedule && api.Tolerating(tolerations, t) == nil {
			return true
		}
	}
	return false
}

// unschedulableTaint is the taint a cordoned node behaves as having.
var unschedulableTaint = api.Taint{Key: api.TaintNodeUnschedulable, Effect: api.TaintNoSchedule}

// staticRejectFor is node i's static reason for a pod with these
// tolerations: the pod-independent one, except that a cordoned node
// takes a pod that tolerates node.kubernetes.io/unschedulable:NoSchedule,
// as Kubernetes' cordon is that taint.
func (s *state) staticRejectFor(i int32, tolerations []api.Toleration) reason {
	r := s.staticReject[i]
	if r != cordoned || api.Tolerating(tolerations, &unschedulableTaint) == nil {
		return r
	}
	if s.nodes[i].DiskPressure {
		return diskPressure
	}
	return fits
}

// writeNodeSelector encodes a required node affinity for a class key.
func writeNodeSelector(b *strings.Builder, ns *api.NodeSelector) {
	for _, t := range ns.NodeSelectorTerms {
		b.WriteByte(5)
		for _, list := range [][]api.NodeSelectorRequirement{t.MatchExpressions, t.MatchFields} {
			b.WriteByte(6)
			for _, r := range list {
				b.WriteByte(7)
				b.WriteString(r.Key)
				b.WriteByte(0)
				b.WriteString(string(r.Operator))
				for _, v := range r.Values {
					b.WriteByte(0)
					b.WriteString(v)
				}
			}
		}
	}
}

// preferenceScore is the total weight of the preferred terms node n
// matches.
func preferenceScore(n *NodeInfo, preferred []api.PreferredSchedulingTerm) int64 {
	var w int64
	for i := range preferred {
		if preferred[i].Preference.Matches(n.Name, n.Labels) {
			w += int64(preferred[i].Weight)
		}
	}
	return w
}
