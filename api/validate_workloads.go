package api

// validateSelector checks a workload's selector and that it matches the
// template's labels.
func validateSelector(e *errs, p string, s *LabelSelector, templateLabels map[string]string) {
	if s == nil || s.IsEmpty() {
		e.add(p, "required: matchLabels or matchExpressions")
		return
	}
	before := len(e.list)
	validateLabelSelector(e, p, s)
	if len(e.list) == before && !s.Matches(templateLabels) {
		e.add(p, "does not match template labels")
	}
}

// validateLabelSelector checks the keys, values and operators of s.
func validateLabelSelector(e *errs, p string, s *LabelSelector) {
	validateLabels(e, child(p, "matchLabels"), s.MatchLabels)
	for i, r := range s.MatchExpressions {
		rp := index(child(p, "matchExpressions"), i)
		if r.Key == "" {
			e.required(child(rp, "key"))
		} else {
			e.check(child(rp, "key"), r.Key, qualifiedNameError(r.Key))
		}
		switch r.Operator {
		case SelectorOpIn, SelectorOpNotIn:
			if len(r.Values) == 0 {
				e.add(child(rp, "values"), "required for operator %s", r.Operator)
			}
		case SelectorOpExists, SelectorOpDoesNotExist:
			if len(r.Values) > 0 {
				e.add(child(rp, "values"), "must be empty for operator %s", r.Operator)
			}
		case "":
			e.required(child(rp, "operator"))
		default:
			e.add(child(rp, "operator"), "unknown operator %s (want In, NotIn, Exists or DoesNotExist)", quote(string(r.Operator)))
		}
		for j, v := range r.Values {
			e.check(index(child(rp, "values"), j), v, labelValueError(v))
		}
	}
}

func validateReplicas(e *errs, p string, replicas *int32) {
	switch {
	case replicas == nil:
	case *replicas < 0:
		e.add(p, "must be at least 0, got %d", *replicas)
	case *replicas > MaxReplicas:
		e.add(p, "must be at most %d, got %d", MaxReplicas, *replicas)
	}
}

func validateNonNegative32(e *errs, p string, v *int32) {
	if v != nil && *v < 0 {
		e.add(p, "must be at least 0, got %d", *v)
	}
}

// validateIntOrPercent checks a rollout bound: an integer >= 0 or "N%"
// (with N at most 100 if capped). It returns whether the value is non-zero.
func validateIntOrPercent(e *errs, p string, v *IntOrString, capped bool) bool {
	if v == nil {
		return false
	}
	if v.Type == TypeInt {
		if v.IntVal < 0 {
			e.add(p, "must be at least 0, got %d", v.IntVal)
		}
		return v.IntVal != 0
	}
	pct, ok := v.Percent()
	switch {
	case !ok:
		e.invalid(p, v.StrVal, "must be an integer or a percentage like \"25%\"")
	case capped && pct > 100:
		e.invalid(p, v.StrVal, "must be at most 100%")
	}
	return pct != 0
}

func validateDeployment(e *errs, d *Deployment) {
	s := &d.Spec
	validateReplicas(e, "spec.replicas", s.Replicas)
	validateSelector(e, "spec.selector", s.Selector, s.Template.Labels)
	validatePodTemplate(e, "spec.template", &s.Template, podSpecOptions{workload: true})
	switch s.Strategy.Type {
	case "", RollingUpdateDeploymentStrategyType:
		if ru := s.Strategy.RollingUpdate; ru != nil {
			surge := validateIntOrPercent(e, "spec.strategy.rollingUpdate.maxSurge", ru.MaxSurge, false)
			unavailable := validateIntOrPercent(e, "spec.strategy.rollingUpdate.maxUnavailable", ru.MaxUnavailable, true)
			if ru.MaxSurge != nil && ru.MaxUnavailable != nil && !surge && !unavailable {
				e.add("spec.strategy.rollingUpdate.maxUnavailable", "may not be 0 when maxSurge is 0")
			}
		}
	case RecreateDeploymentStrategyType:
		if s.Strategy.RollingUpdate != nil {
			e.add("spec.strategy.rollingUpdate", "may not be set when type is Recreate")
		}
	default:
		e.add("spec.strategy.type", "unknown strategy %s (want RollingUpdate or Recreate)", quote(string(s.Strategy.Type)))
	}
	if s.MinReadySeconds < 0 {
		e.add("spec.minReadySeconds", "must be at least 0, got %d", s.MinReadySeconds)
	}
	validateNonNegative32(e, "spec.revisionHistoryLimit", s.RevisionHistoryLimit)
	if pd := s.ProgressDeadlineSeconds; pd != nil {
		if *pd <= 0 {
			e.add("spec.progressDeadlineSeconds", "must be greater than 0, got %d", *pd)
		} else if *pd <= s.MinReadySeconds {
			e.add("spec.progressDeadlineSeconds", "must be greater than minReadySeconds (%d), got %d", s.MinReadySeconds, *pd)
		}
	}
}

var accessModes = map[PersistentVolumeAccessMode]bool{ReadWriteOnce: true, ReadOnlyMany: true, ReadWriteMany: true, ReadWriteOncePod: true}

func validateStatefulSet(e *errs, ss *StatefulSet) {
	s := &ss.Spec
	validateReplicas(e, "spec.replicas", s.Replicas)
	validateSelector(e, "spec.selector", s.Selector, s.Template.Labels)
	claims := map[string]bool{}
	for i := range s.VolumeClaimTemplates {
		validateClaimTemplate(e, index("spec.volumeClaimTemplates", i), &s.VolumeClaimTemplates[i], claims)
	}
	validatePodTemplate(e, "spec.template", &s.Template, podSpecOptions{workload: true, claimTemplates: claims})
	if s.ServiceName == "" {
		e.add("spec.serviceName", "required: the headless service that gives the pods DNS names")
	} else {
		e.check("spec.serviceName", s.ServiceName, dns1035LabelError(s.ServiceName))
	}
	switch s.PodManagementPolicy {
	case "", OrderedReadyPodManagement, ParallelPodManagement:
	default:
		e.add("spec.podManagementPolicy", "unknown policy %s (want OrderedReady or Parallel)", quote(string(s.PodManagementPolicy)))
	}
	switch s.UpdateStrategy.Type {
	case "", RollingUpdateStatefulSetStrategyType:
		if ru := s.UpdateStrategy.RollingUpdate; ru != nil {
			validateNonNegative32(e, "spec.updateStrategy.rollingUpdate.partition", ru.Partition)
		}
	case OnDeleteStatefulSetStrategyType:
		if s.UpdateStrategy.RollingUpdate != nil {
			e.add("spec.updateStrategy.rollingUpdate", "may not be set when type is OnDelete")
		}
	default:
		e.add("spec.updateStrategy.type", "unknown strategy %s (want RollingUpdate or OnDelete)", quote(string(s.UpdateStrategy.Type)))
	}
	validateNonNegative32(e, "spec.revisionHistoryLimit", s.RevisionHistoryLimit)
	if s.MinReadySeconds < 0 {
		e.add("spec.minReadySeconds", "must be at least 0, got %d", s.MinReadySeconds)
	}
}

func validateClaimTemplate(e *errs, p string, c *PersistentVolumeClaim, names map[string]bool) {
	np := child(p, "metadata.name")
	switch {
	case c.Name == "":
		e.required(np)
	case dnsLabelError(c.Name) != "":
		e.invalid(np, c.Name, dnsLabelError(c.Name))
	case names[c.Name]:
		e.add(np, "duplicate volume claim template name %s", quote(c.Name))
	}
	names[c.Name] = true
	validateLabels(e, child(p, "metadata.labels"), c.Labels)
	if len(c.Spec.AccessModes) == 0 {
		e.add(child(p, "spec.accessModes"), "required: at least one of ReadWriteOnce, ReadOnlyMany, ReadWriteMany or ReadWriteOncePod")
	}
	for i, m := range c.Spec.AccessModes {
		if !accessModes[m] {
			e.add(index(child(p, "spec.accessModes"), i), "unknown access mode %s (want ReadWriteOnce, ReadOnlyMany, ReadWriteMany or ReadWriteOncePod)", quote(string(m)))
		}
	}
	rp := child(p, "spec.resources.requests")
	storage, ok := c.Spec.Resources.Requests[ResourceStorage]
	if !ok {
		e.add(key(rp, ResourceStorage), "required: the volume's size, e.g. 10Gi")
	} else if storage.Sign() <= 0 {
		e.add(key(rp, ResourceStorage), "must be greater than 0, got %s", storage)
	}
	for _, name := range sortedKeys(c.Spec.Resources.Requests) {
		if name != ResourceStorage {
			e.add(key(rp, name), "unknown resource %s (want storage)", quote(name))
		}
	}
	if sc := c.Spec.StorageClassName; sc != nil && *sc != "" {
		e.check(child(p, "spec.storageClassName"), *sc, dnsSubdomainError(*sc))
	}
}

func validateDaemonSet(e *errs, ds *DaemonSet) {
	s := &ds.Spec
	validateSelector(e, "spec.selector", s.Selector, s.Template.Labels)
	validatePodTemplate(e, "spec.template", &s.Template, podSpecOptions{workload: true})
	switch s.UpdateStrategy.Type {
	case "", RollingUpdateDaemonSetStrategyType:
		if ru := s.UpdateStrategy.RollingUpdate; ru != nil {
			unavailable := validateIntOrPercent(e, "spec.updateStrategy.rollingUpdate.maxUnavailable", ru.MaxUnavailable, true)
			surge := validateIntOrPercent(e, "spec.updateStrategy.rollingUpdate.maxSurge", ru.MaxSurge, false)
			switch {
			case !unavailable && !surge:
				e.add("spec.updateStrategy.rollingUpdate.maxUnavailable", "may not be 0 when maxSurge is 0")
			case unavailable && surge:
				e.add("spec.updateStrategy.rollingUpdate.maxSurge", "must be 0 when maxUnavailable is not")
			}
		}
	case OnDeleteDaemonSetStrategyType:
		if s.UpdateStrategy.RollingUpdate != nil {
			e.add("spec.updateStrategy.rollingUpdate", "may not be set when type is OnDelete")
		}
	default:
		e.add("spec.updateStrategy.type", "unknown strategy %s (want RollingUpdate or OnDelete)", quote(string(s.UpdateStrategy.Type)))
	}
	if s.MinReadySeconds < 0 {
		e.add("spec.minReadySeconds", "must be at least 0, got %d", s.MinReadySeconds)
	}
	validateNonNegative32(e, "spec.revisionHistoryLimit", s.RevisionHistoryLimit)
}
