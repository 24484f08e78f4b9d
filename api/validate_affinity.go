package api

import "strconv"

// validatePodAffinityTerms checks the required and preferred terms of a
// podAffinity or podAntiAffinity at p.
func validatePodAffinityTerms(e *errs, p string, required []PodAffinityTerm, preferred []WeightedPodAffinityTerm) {
	tp := child(p, "requiredDuringSchedulingIgnoredDuringExecution")
	for i := range required {
		validatePodAffinityTerm(e, index(tp, i), &required[i])
	}
	pp := child(p, "preferredDuringSchedulingIgnoredDuringExecution")
	for i := range preferred {
		validateWeight(e, child(index(pp, i), "weight"), preferred[i].Weight)
		validatePodAffinityTerm(e, child(index(pp, i), "podAffinityTerm"), &preferred[i].PodAffinityTerm)
	}
}

// validateAffinity checks a pod's affinity.
func validateAffinity(e *errs, p string, a *Affinity) {
	if a == nil {
		return
	}
	if a.PodAntiAffinity != nil {
		validatePodAffinityTerms(e, child(p, "podAntiAffinity"), a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution,
			a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution)
	}
	if a.PodAffinity != nil {
		validatePodAffinityTerms(e, child(p, "podAffinity"), a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution,
			a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution)
	}
	if a.NodeAffinity == nil {
		return
	}
	pp := child(child(p, "nodeAffinity"), "preferredDuringSchedulingIgnoredDuringExecution")
	for i := range a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
		t := &a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution[i]
		ip := index(pp, i)
		validateWeight(e, child(ip, "weight"), t.Weight)
		for j := range t.Preference.MatchExpressions {
			validateNodeRequirement(e, index(child(ip, "preference.matchExpressions"), j), &t.Preference.MatchExpressions[j], false)
		}
		for j := range t.Preference.MatchFields {
			validateNodeRequirement(e, index(child(ip, "preference.matchFields"), j), &t.Preference.MatchFields[j], true)
		}
	}
	rp := child(child(p, "nodeAffinity"), "requiredDuringSchedulingIgnoredDuringExecution")
	req := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	if req == nil {
		return
	}
	tp := child(rp, "nodeSelectorTerms")
	if len(req.NodeSelectorTerms) == 0 {
		e.add(tp, "required: at least one term")
	}
	for i := range req.NodeSelectorTerms {
		t := &req.NodeSelectorTerms[i]
		ip := index(tp, i)
		for j := range t.MatchExpressions {
			validateNodeRequirement(e, index(child(ip, "matchExpressions"), j), &t.MatchExpressions[j], false)
		}
		for j := range t.MatchFields {
			validateNodeRequirement(e, index(child(ip, "matchFields"), j), &t.MatchFields[j], true)
		}
	}
}

func validateNodeRequirement(e *errs, p string, r *NodeSelectorRequirement, field bool) {
	switch {
	case r.Key == "":
		e.required(child(p, "key"))
	case field && r.Key != NodeFieldName:
		e.add(child(p, "key"), "unsupported field %s (want metadata.name)", quote(r.Key))
	case !field:
		e.check(child(p, "key"), r.Key, qualifiedNameError(r.Key))
	}
	vp := child(p, "values")
	switch r.Operator {
	case NodeSelectorOpIn, NodeSelectorOpNotIn:
		if len(r.Values) == 0 {
			e.add(vp, "required for operator %s", r.Operator)
		}
		if field && len(r.Values) != 1 {
			e.add(vp, "must have exactly one node name for matchFields, got %d", len(r.Values))
		}
	case NodeSelectorOpExists, NodeSelectorOpDoesNotExist, NodeSelectorOpGt, NodeSelectorOpLt:
		if field {
			e.add(child(p, "operator"), "must be In or NotIn for matchFields, got %s", r.Operator)
			return
		}
		if r.Operator == NodeSelectorOpGt || r.Operator == NodeSelectorOpLt {
			if len(r.Values) != 1 {
				e.add(vp, "must have exactly one integer for operator %s, got %d values", r.Operator, len(r.Values))
			} else if _, err := strconv.ParseInt(r.Values[0], 10, 64); err != nil {
				e.add(index(vp, 0), "must be an integer for operator %s, got %s", r.Operator, quote(r.Values[0]))
			}
			return
		}
		if len(r.Values) > 0 {
			e.add(vp, "must be empty for operator %s", r.Operator)
		}
	case "":
		e.required(child(p, "operator"))
	default:
		e.add(child(p, "operator"), "unknown operator %s (want In, NotIn, Exists, DoesNotExist, Gt or Lt)", quote(string(r.Operator)))
	}
	if !field {
		for j, v := range r.Values {
			e.check(index(vp, j), v, labelValueError(v))
		}
	}
}

func validatePodAffinityTerm(e *errs, p string, t *PodAffinityTerm) {
	if t.TopologyKey == "" {
		e.required(child(p, "topologyKey"))
	} else {
		e.check(child(p, "topologyKey"), t.TopologyKey, qualifiedNameError(t.TopologyKey))
	}
	if t.LabelSelector != nil {
		validateLabelSelector(e, child(p, "labelSelector"), t.LabelSelector)
	}
	for i, ns := range t.Namespaces {
		e.check(index(child(p, "namespaces"), i), ns, dnsLabelError(ns))
	}
}

func validateWeight(e *errs, p string, w int32) {
	if w < 1 || w > 100 {
		e.add(p, "must be 1-100, got %d", w)
	}
}
