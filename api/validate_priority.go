package api

import "strings"

// validatePriorityClass checks a PriorityClass: a value a user may set,
// a known preemption policy, and no name reserved for the built-in
// classes.
func validatePriorityClass(e *errs, pc *PriorityClass) {
	if strings.HasPrefix(pc.Name, systemPriorityClassPrefix) {
		e.add("metadata.name", "names starting with %q are reserved for the built-in classes (%s, %s)", systemPriorityClassPrefix, SystemClusterCritical, SystemNodeCritical)
	}
	if pc.Value > HighestUserDefinablePriority {
		e.add("value", "must be at most %d, got %d", HighestUserDefinablePriority, pc.Value)
	}
	validatePreemptionPolicy(e, "preemptionPolicy", pc.PreemptionPolicy)
}

// validatePreemptionPolicy checks a preemptionPolicy field.
func validatePreemptionPolicy(e *errs, p string, v *PreemptionPolicy) {
	if v == nil {
		return
	}
	switch *v {
	case PreemptLowerPriority, PreemptNever:
	default:
		e.add(p, "unknown policy %s (want PreemptLowerPriority or Never)", quote(string(*v)))
	}
}

// validatePodPriority checks the priority fields of a pod spec at path p.
func validatePodPriority(e *errs, p string, s *PodSpec) {
	if s.PriorityClassName != "" {
		e.check(child(p, "priorityClassName"), s.PriorityClassName, dnsSubdomainError(s.PriorityClassName))
	}
	validatePreemptionPolicy(e, child(p, "preemptionPolicy"), s.PreemptionPolicy)
}
