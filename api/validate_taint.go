package api

// validateTaints checks a node's spec.taints: each a valid key, label-like
// value and known effect, and no key and effect twice.
func validateTaints(e *errs, p string, taints []Taint) {
	seen := map[string]bool{}
	for i := range taints {
		t := &taints[i]
		tp := index(p, i)
		if t.Key == "" {
			e.required(child(tp, "key"))
		} else {
			e.check(child(tp, "key"), t.Key, qualifiedNameError(t.Key))
		}
		if t.Value != "" {
			e.check(child(tp, "value"), t.Value, labelValueError(t.Value))
		}
		switch t.Effect {
		case TaintNoSchedule, TaintPreferNoSchedule, TaintNoExecute:
		case "":
			e.required(child(tp, "effect"))
		default:
			e.add(child(tp, "effect"), "unknown effect %s (want NoSchedule, PreferNoSchedule or NoExecute)", quote(string(t.Effect)))
		}
		id := t.Key + ":" + string(t.Effect)
		if seen[id] {
			e.add(tp, "duplicate taint %s (a key may have each effect once)", quote(id))
		}
		seen[id] = true
	}
}

// validateTolerations checks a pod's tolerations as Kubernetes does.
func validateTolerations(e *errs, p string, tolerations []Toleration) {
	for i := range tolerations {
		t := &tolerations[i]
		tp := index(p, i)
		if t.Key != "" {
			e.check(child(tp, "key"), t.Key, qualifiedNameError(t.Key))
		}
		switch t.Operator {
		case "", TolerationEqual:
			if t.Key == "" {
				e.add(child(tp, "operator"), "must be Exists when key is empty")
			}
			if t.Value != "" {
				e.check(child(tp, "value"), t.Value, labelValueError(t.Value))
			}
		case TolerationExists:
			if t.Value != "" {
				e.add(child(tp, "value"), "must be empty when operator is Exists, got %s", quote(t.Value))
			}
		default:
			e.add(child(tp, "operator"), "unknown operator %s (want Equal or Exists)", quote(string(t.Operator)))
		}
		switch t.Effect {
		case "", TaintNoSchedule, TaintPreferNoSchedule, TaintNoExecute:
		default:
			e.add(child(tp, "effect"), "unknown effect %s (want NoSchedule, PreferNoSchedule, NoExecute or empty for all)", quote(string(t.Effect)))
		}
		if s := t.TolerationSeconds; s != nil {
			if t.Effect != TaintNoExecute {
				e.add(child(tp, "tolerationSeconds"), "only allowed with effect NoExecute")
			} else if *s < 0 {
				e.add(child(tp, "tolerationSeconds"), "must not be negative, got %d", *s)
			}
		}
	}
}
