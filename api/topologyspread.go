package api

// UnsatisfiableConstraintAction says what to do with a pod that cannot
// meet a topology spread constraint.
type UnsatisfiableConstraintAction string

// Actions.
const (
	// DoNotSchedule keeps the pod Pending rather than break maxSkew.
	DoNotSchedule UnsatisfiableConstraintAction = "DoNotSchedule"
	// ScheduleAnyway meets the constraint while it can, and places the pod
	// anyway when it cannot.
	ScheduleAnyway UnsatisfiableConstraintAction = "ScheduleAnyway"
)

// TopologySpreadConstraint spreads the pods a selector matches evenly
// over the domains of a node label.
type TopologySpreadConstraint struct {
	// MaxSkew is how many more matching pods one domain may hold than the
	// emptiest one, counting the pod being placed; at least 1.
	MaxSkew int32 `json:"maxSkew"`
	// TopologyKey is the node label whose values are the domains; nodes
	// without it are not candidates under DoNotSchedule.
	TopologyKey string `json:"topologyKey"`
	// WhenUnsatisfiable is DoNotSchedule or ScheduleAnyway.
	WhenUnsatisfiable UnsatisfiableConstraintAction `json:"whenUnsatisfiable"`
	// LabelSelector selects the pods counted (in the pod's namespace).
	LabelSelector *LabelSelector `json:"labelSelector,omitempty"`
	// MinDomains: with fewer eligible domains than this, the emptiest
	// domain counts as 0 pods. Only with DoNotSchedule.
	MinDomains *int32 `json:"minDomains,omitempty"`
}

// validateTopologySpread checks a pod's topologySpreadConstraints.
func validateTopologySpread(e *errs, p string, cs []TopologySpreadConstraint) {
	seen := map[string]bool{}
	for i := range cs {
		c := &cs[i]
		cp := index(p, i)
		if c.MaxSkew < 1 {
			e.add(child(cp, "maxSkew"), "must be at least 1, got %d", c.MaxSkew)
		}
		if c.TopologyKey == "" {
			e.required(child(cp, "topologyKey"))
		} else {
			e.check(child(cp, "topologyKey"), c.TopologyKey, qualifiedNameError(c.TopologyKey))
		}
		switch c.WhenUnsatisfiable {
		case DoNotSchedule, ScheduleAnyway:
		case "":
			e.required(child(cp, "whenUnsatisfiable"))
		default:
			e.add(child(cp, "whenUnsatisfiable"), "unknown action %s (want DoNotSchedule or ScheduleAnyway)", quote(string(c.WhenUnsatisfiable)))
		}
		if c.MinDomains != nil {
			if *c.MinDomains < 1 {
				e.add(child(cp, "minDomains"), "must be at least 1, got %d", *c.MinDomains)
			} else if c.WhenUnsatisfiable != DoNotSchedule {
				e.add(child(cp, "minDomains"), "only allowed with whenUnsatisfiable DoNotSchedule")
			}
		}
		if c.LabelSelector != nil {
			validateLabelSelector(e, child(cp, "labelSelector"), c.LabelSelector)
		}
		id := c.TopologyKey + "/" + string(c.WhenUnsatisfiable)
		if seen[id] {
			e.add(cp, "duplicate constraint for topologyKey %s and whenUnsatisfiable %s", quote(c.TopologyKey), c.WhenUnsatisfiable)
		}
		seen[id] = true
	}
}
