package main

import (
	"fmt"
	"io"
	"text/tabwriter"

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

// describePDB prints a PodDisruptionBudget as kubectl describe does: its
// bound, selector and the leader's count of its pods.
func describePDB(w io.Writer, b *api.PodDisruptionBudget) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", b.Name)
	fmt.Fprintf(tw, "Namespace:\t%s\n", b.Namespace)
	switch {
	case b.Spec.MinAvailable != nil:
		fmt.Fprintf(tw, "Min available:\t%s\n", b.Spec.MinAvailable)
	case b.Spec.MaxUnavailable != nil:
		fmt.Fprintf(tw, "Max unavailable:\t%s\n", b.Spec.MaxUnavailable)
	}
	sel := "<none>"
	if s := b.Spec.Selector; s != nil {
		sel = s.String()
		if s.IsEmpty() {
			sel = "<unset>"
		}
	}
	fmt.Fprintf(tw, "Selector:\t%s\n", sel)
	st := b.Status
	fmt.Fprintln(tw, "Status:")
	fmt.Fprintf(tw, "    Allowed disruptions:\t%d\n", st.DisruptionsAllowed)
	fmt.Fprintf(tw, "    Current:\t%d\n", st.CurrentHealthy)
	fmt.Fprintf(tw, "    Desired:\t%d\n", st.DesiredHealthy)
	fmt.Fprintf(tw, "    Total:\t%d\n", st.ExpectedPods)
	return tw.Flush()
}
