package api

import "time"

// TaintEffect is what a node taint does to pods that do not tolerate it.
type TaintEffect string

// Taint effects, as in Kubernetes.
const (
	// TaintNoSchedule keeps new pods that do not tolerate the taint off the
	// node; pods already there stay.
	TaintNoSchedule TaintEffect = "NoSchedule"
	// TaintPreferNoSchedule makes the scheduler avoid the node for pods that
	// do not tolerate the taint while another node fits.
	TaintPreferNoSchedule TaintEffect = "PreferNoSchedule"
	// TaintNoExecute keeps new pods off the node and evicts running pods
	// that do not tolerate it (after their tolerationSeconds, if set).
	TaintNoExecute TaintEffect = "NoExecute"
)

// Well-known taint keys.
const (
	// TaintNodeNotReady is the key of the taint a node has while its Ready
	// condition is False; a NoExecute toleration of it with
	// tolerationSeconds sets how long the pod waits before it is replaced.
	TaintNodeNotReady = "node.kubernetes.io/not-ready"
	// TaintNodeUnreachable is the key of the taint a node has while its
	// Ready condition is Unknown (the node stopped reporting).
	TaintNodeUnreachable = "node.kubernetes.io/unreachable"
	// TaintNodeUnschedulable is the key of the NoSchedule taint a cordoned
	// node (spec.unschedulable) behaves as having.
	TaintNodeUnschedulable = "node.kubernetes.io/unschedulable"
)

// Taint marks a node so that pods that do not tolerate it are kept off
// (or evicted, for NoExecute).
type Taint struct {
	// Key is the taint's key, a qualified name like a label key.
	Key string `json:"key"`
	// Value is optional; a toleration with operator Equal must match it.
	Value string `json:"value,omitempty"`
	// Effect is NoSchedule, PreferNoSchedule or NoExecute.
	Effect TaintEffect `json:"effect"`
	// TimeAdded is when a NoExecute taint was added (set by the API); a
	// toleration's tolerationSeconds count from it.
	TimeAdded *time.Time `json:"timeAdded,omitempty"`
}

// TolerationOperator says how a toleration matches a taint's value.
type TolerationOperator string

// Toleration operators.
const (
	// TolerationEqual matches a taint with the same key and value (the
	// default).
	TolerationEqual TolerationOperator = "Equal"
	// TolerationExists matches a taint with the same key whatever its value,
	// or any taint when the key is empty.
	TolerationExists TolerationOperator = "Exists"
)

// Toleration lets a pod onto (or stay on) nodes with matching taints.
type Toleration struct {
	// Key is the taint key tolerated; empty with operator Exists tolerates
	// every taint.
	Key string `json:"key,omitempty"`
	// Operator is Equal (default) or Exists.
	Operator TolerationOperator `json:"operator,omitempty"`
	// Value is the taint value tolerated with operator Equal.
	Value string `json:"value,omitempty"`
	// Effect is the taint effect tolerated; empty tolerates every effect.
	Effect TaintEffect `json:"effect,omitempty"`
	// TolerationSeconds, for effect NoExecute, is how long the pod may stay
	// on a node after the taint appears; nil means forever.
	TolerationSeconds *int64 `json:"tolerationSeconds,omitempty"`
}

// Tolerates reports whether t tolerates taint.
func (t *Toleration) Tolerates(taint *Taint) bool {
	if t.Effect != "" && t.Effect != taint.Effect {
		return false
	}
	if t.Key != "" && t.Key != taint.Key {
		return false
	}
	switch t.Operator {
	case TolerationExists:
		return true
	case "", TolerationEqual:
		return t.Key != "" && t.Value == taint.Value
	}
	return false
}

// String formats a taint the way kubectl prints and parses it:
// key=value:Effect, or key:Effect without a value.
func (t Taint) String() string {
	if t.Value == "" {
		return t.Key + ":" + string(t.Effect)
	}
	return t.Key + "=" + t.Value + ":" + string(t.Effect)
}

// Tolerating returns the first of tolerations that tolerates taint, or nil.
func Tolerating(tolerations []Toleration, taint *Taint) *Toleration {
	for i := range tolerations {
		if tolerations[i].Tolerates(taint) {
			return &tolerations[i]
		}
	}
	return nil
}
