package api

import (
	"slices"
	"strconv"
)

// Affinity holds a pod's scheduling constraints beyond nodeSelector. Shoal
// supports nodeAffinity and podAntiAffinity (required and preferred) and
// podAffinity (required).
type Affinity struct {
	// NodeAffinity restricts the nodes the pod may run on.
	NodeAffinity *NodeAffinity `json:"nodeAffinity,omitempty"`
	// PodAntiAffinity keeps the pod away from topology domains (nodes,
	// zones…) that already run pods matching its terms.
	PodAntiAffinity *PodAntiAffinity `json:"podAntiAffinity,omitempty"`
	// PodAffinity places the pod only in topology domains that already run
	// pods matching its terms.
	PodAffinity *PodAffinity `json:"podAffinity,omitempty"`
}

// PodAffinity puts a pod next to certain pods.
type PodAffinity struct {
	// RequiredDuringSchedulingIgnoredDuringExecution: the pod is placed
	// only where, for every term, a pod matching it runs in the same domain
	// of the term's topologyKey (or, if no pod anywhere matches a term
	// that the pod itself matches, on any node with the key, so the first
	// of a group can start).
	RequiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm `json:"requiredDuringSchedulingIgnoredDuringExecution,omitempty"`
	// PreferredDuringSchedulingIgnoredDuringExecution: nodes meeting all
	// these terms (as if required) are tried first; weights are checked
	// but not used.
	PreferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm `json:"preferredDuringSchedulingIgnoredDuringExecution,omitempty"`
}

// PreferredPodAffinity returns the pod's preferred podAffinity terms.
func (s *PodSpec) PreferredPodAffinity() []WeightedPodAffinityTerm {
	if s.Affinity == nil || s.Affinity.PodAffinity == nil {
		return nil
	}
	return s.Affinity.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution
}

// RequiredPodAffinity returns the pod's required podAffinity terms.
func (s *PodSpec) RequiredPodAffinity() []PodAffinityTerm {
	if s.Affinity == nil || s.Affinity.PodAffinity == nil {
		return nil
	}
	return s.Affinity.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution
}

// PodAntiAffinity keeps a pod out of topology domains holding certain pods.
type PodAntiAffinity struct {
	// RequiredDuringSchedulingIgnoredDuringExecution: the pod is placed
	// only where, for every term, no pod matching it runs in the same
	// domain of the term's topologyKey.
	RequiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm `json:"requiredDuringSchedulingIgnoredDuringExecution,omitempty"`
	// PreferredDuringSchedulingIgnoredDuringExecution: nodes meeting all
	// these terms (as if required) are tried first; weights are checked
	// but not used.
	PreferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm `json:"preferredDuringSchedulingIgnoredDuringExecution,omitempty"`
}

// PodAffinityTerm selects pods (by labels, in namespaces) and a topology:
// nodes with the same value of the topologyKey label form one domain.
type PodAffinityTerm struct {
	// LabelSelector selects the pods; nil selects none.
	LabelSelector *LabelSelector `json:"labelSelector,omitempty"`
	// Namespaces the pods are looked for in; empty means the pod's own.
	Namespaces []string `json:"namespaces,omitempty"`
	// TopologyKey is the node label whose value defines a domain, e.g.
	// kubernetes.io/hostname (one node) or topology.kubernetes.io/zone.
	// Nodes without the label are in no domain.
	TopologyKey string `json:"topologyKey"`
}

// Selects reports whether the term selects a pod with these labels in
// namespace ns, for a term of a pod in namespace own.
func (t *PodAffinityTerm) Selects(own, ns string, labels map[string]string) bool {
	if t.LabelSelector == nil {
		return false
	}
	if len(t.Namespaces) == 0 {
		if ns != own {
			return false
		}
	} else if !slices.Contains(t.Namespaces, ns) {
		return false
	}
	return t.LabelSelector.Matches(labels)
}

// RequiredAntiAffinity returns the pod's required podAntiAffinity terms.
func (s *PodSpec) RequiredAntiAffinity() []PodAffinityTerm {
	if s.Affinity == nil || s.Affinity.PodAntiAffinity == nil {
		return nil
	}
	return s.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
}

// NodeAffinity restricts the nodes a pod may run on by their labels and
// name.
type NodeAffinity struct {
	// RequiredDuringSchedulingIgnoredDuringExecution: the pod is placed only
	// on a node matching one of its terms (a node whose labels change later
	// keeps the pod).
	RequiredDuringSchedulingIgnoredDuringExecution *NodeSelector `json:"requiredDuringSchedulingIgnoredDuringExecution,omitempty"`
	// PreferredDuringSchedulingIgnoredDuringExecution: among the nodes that
	// fit, those with the highest total weight of matching terms are
	// tried first.
	PreferredDuringSchedulingIgnoredDuringExecution []PreferredSchedulingTerm `json:"preferredDuringSchedulingIgnoredDuringExecution,omitempty"`
}

// PreferredSchedulingTerm is a weighted node preference.
type PreferredSchedulingTerm struct {
	// Weight is 1-100.
	Weight int32 `json:"weight"`
	// Preference is the term a node should match.
	Preference NodeSelectorTerm `json:"preference"`
}

// WeightedPodAffinityTerm is a weighted pod (anti-)affinity preference.
type WeightedPodAffinityTerm struct {
	// Weight is 1-100.
	Weight int32 `json:"weight"`
	// PodAffinityTerm is the preference.
	PodAffinityTerm PodAffinityTerm `json:"podAffinityTerm"`
}

// PreferredNodeAffinity returns the pod's preferred node affinity terms.
func (s *PodSpec) PreferredNodeAffinity() []PreferredSchedulingTerm {
	if s.Affinity == nil || s.Affinity.NodeAffinity == nil {
		return nil
	}
	return s.Affinity.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution
}

// PreferredAntiAffinity returns the pod's preferred podAntiAffinity terms.
func (s *PodSpec) PreferredAntiAffinity() []WeightedPodAffinityTerm {
	if s.Affinity == nil || s.Affinity.PodAntiAffinity == nil {
		return nil
	}
	return s.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution
}

// NodeSelector is a set of node selector terms, ORed.
type NodeSelector struct {
	// NodeSelectorTerms: a node matching any of them matches; at least one.
	NodeSelectorTerms []NodeSelectorTerm `json:"nodeSelectorTerms"`
}

// NodeSelectorTerm is a set of requirements, ANDed. A term with none
// matches no node, as in Kubernetes.
type NodeSelectorTerm struct {
	// MatchExpressions are requirements on node labels.
	MatchExpressions []NodeSelectorRequirement `json:"matchExpressions,omitempty"`
	// MatchFields are requirements on node fields: only metadata.name, with
	// In or NotIn.
	MatchFields []NodeSelectorRequirement `json:"matchFields,omitempty"`
}

// NodeSelectorOperator relates a node label (or field) to values.
type NodeSelectorOperator string

// Node selector operators.
const (
	// NodeSelectorOpIn: the label has one of the values.
	NodeSelectorOpIn NodeSelectorOperator = "In"
	// NodeSelectorOpNotIn: the label is absent or has none of the values.
	NodeSelectorOpNotIn NodeSelectorOperator = "NotIn"
	// NodeSelectorOpExists: the label is present.
	NodeSelectorOpExists NodeSelectorOperator = "Exists"
	// NodeSelectorOpDoesNotExist: the label is absent.
	NodeSelectorOpDoesNotExist NodeSelectorOperator = "DoesNotExist"
	// NodeSelectorOpGt: the label is an integer greater than the one value.
	NodeSelectorOpGt NodeSelectorOperator = "Gt"
	// NodeSelectorOpLt: the label is an integer less than the one value.
	NodeSelectorOpLt NodeSelectorOperator = "Lt"
)

// NodeFieldName is the one node field matchFields may use.
const NodeFieldName = "metadata.name"

// NodeSelectorRequirement is one requirement of a term.
type NodeSelectorRequirement struct {
	// Key is the label key (or, in matchFields, metadata.name).
	Key string `json:"key"`
	// Operator is In, NotIn, Exists, DoesNotExist, Gt or Lt.
	Operator NodeSelectorOperator `json:"operator"`
	// Values: one or more for In and NotIn, exactly one integer for Gt and
	// Lt, none for Exists and DoesNotExist.
	Values []string `json:"values,omitempty"`
}

// Matches reports whether a node with this name and these labels matches
// one of the terms.
func (s *NodeSelector) Matches(name string, labels map[string]string) bool {
	for i := range s.NodeSelectorTerms {
		if s.NodeSelectorTerms[i].Matches(name, labels) {
			return true
		}
	}
	return false
}

// Matches reports whether a node with this name and these labels meets
// every requirement of t; a term without requirements matches nothing.
func (t *NodeSelectorTerm) Matches(name string, labels map[string]string) bool {
	if len(t.MatchExpressions) == 0 && len(t.MatchFields) == 0 {
		return false
	}
	for _, r := range t.MatchExpressions {
		v, ok := labels[r.Key]
		if !r.matches(v, ok) {
			return false
		}
	}
	for _, r := range t.MatchFields {
		if r.Key != NodeFieldName || !r.matches(name, true) {
			return false
		}
	}
	return true
}

func (r *NodeSelectorRequirement) matches(v string, present bool) bool {
	switch r.Operator {
	case NodeSelectorOpIn, NodeSelectorOpNotIn, NodeSelectorOpExists, NodeSelectorOpDoesNotExist:
		return matchSet(LabelSelectorOperator(r.Operator), r.Values, v, present)
	case NodeSelectorOpGt, NodeSelectorOpLt:
		if !present || len(r.Values) != 1 {
			return false
		}
		have, err1 := strconv.ParseInt(v, 10, 64)
		want, err2 := strconv.ParseInt(r.Values[0], 10, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		if r.Operator == NodeSelectorOpGt {
			return have > want
		}
		return have < want
	}
	return false
}

// RequiredNodeSelector returns the pod's required node affinity, or nil.
func (s *PodSpec) RequiredNodeSelector() *NodeSelector {
	if s.Affinity == nil || s.Affinity.NodeAffinity == nil {
		return nil
	}
	return s.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
}
