package api

// validatePodDisruptionBudget checks a PodDisruptionBudget: at most one
// of minAvailable and maxUnavailable, each a count ≥ 0 or a percentage up
// to 100%, and a valid selector.
func validatePodDisruptionBudget(e *errs, b *PodDisruptionBudget) {
	s := &b.Spec
	if s.MinAvailable != nil && s.MaxUnavailable != nil {
		e.add("spec", "minAvailable and maxUnavailable cannot both be set")
	}
	validateIntOrPercent(e, "spec.minAvailable", s.MinAvailable, true)
	validateIntOrPercent(e, "spec.maxUnavailable", s.MaxUnavailable, true)
	if s.Selector != nil {
		validateLabelSelector(e, "spec.selector", s.Selector)
	}
}
