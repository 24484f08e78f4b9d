package main

import (
	"fmt"

	"github.com/shoal-dev/shoal/api"
)

// pdbColumns are kubectl's columns for PodDisruptionBudgets: MIN
// AVAILABLE and MAX UNAVAILABLE as written (N/A when unset) and how many
// pods may be evicted now.
func pdbColumns() []column {
	pdb := func(o api.Object) *api.PodDisruptionBudget { return o.(*api.PodDisruptionBudget) }
	orNA := func(v *api.IntOrString) string {
		if v == nil {
			return "N/A"
		}
		return v.String()
	}
	return []column{
		{header: "MIN AVAILABLE", cell: func(o api.Object) string { return orNA(pdb(o).Spec.MinAvailable) }},
		{header: "MAX UNAVAILABLE", cell: func(o api.Object) string { return orNA(pdb(o).Spec.MaxUnavailable) }},
		{header: "ALLOWED DISRUPTIONS", cell: func(o api.Object) string { return fmt.Sprint(pdb(o).Status.DisruptionsAllowed) }},
	}
}

// priorityClassColumns are kubectl's columns for PriorityClasses: VALUE
// GLOBAL-DEFAULT AGE PREEMPTIONPOLICY.
func priorityClassColumns() []column {
	pc := func(o api.Object) *api.PriorityClass { return o.(*api.PriorityClass) }
	return []column{
		{header: "VALUE", cell: func(o api.Object) string { return fmt.Sprint(pc(o).Value) }},
		{header: "GLOBAL-DEFAULT", cell: func(o api.Object) string { return fmt.Sprint(pc(o).GlobalDefault) }},
		{header: "AGE", cell: func(o api.Object) string { return age(o.GetObjectMeta().CreationTimestamp) }},
		{header: "PREEMPTIONPOLICY", cell: func(o api.Object) string {
			if p := pc(o).PreemptionPolicy; p != nil {
				return string(*p)
			}
			return string(api.PreemptLowerPriority)
		}},
	}
}
