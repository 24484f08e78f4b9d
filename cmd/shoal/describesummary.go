package main

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/shoal-dev/shoal/api"
)

// describeNode prints a node as kubectl does: addresses and conditions,
// capacity and allocatable, its non-terminated pods with their requests
// and limits, and the resources allocated in total.
func describeNode(w io.Writer, n *api.Node, pods []*api.Pod) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", n.Name)
	fmt.Fprintf(tw, "Labels:\t%s\n", orNone(mapString(n.Labels)))
	fmt.Fprintf(tw, "Unschedulable:\t%t\n", n.Spec.Unschedulable)
	fmt.Fprintf(tw, "Created:\t%s ago\n", age(n.CreationTimestamp))
	fmt.Fprintln(tw, "Addresses:")
	for _, a := range n.Status.Addresses {
		fmt.Fprintf(tw, "  %s:\t%s\n", a.Type, a.Address)
	}
	fmt.Fprintln(tw, "Conditions:")
	fmt.Fprintln(tw, "  TYPE\tSTATUS\tREASON\tMESSAGE")
	for _, c := range n.Status.Conditions {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", c.Type, c.Status, orNone(c.Reason), orNone(c.Message))
	}
	for _, sec := range []struct {
		title string
		list  api.ResourceList
	}{{"Capacity", n.Status.Capacity}, {"Allocatable", n.Status.Allocatable}} {
		fmt.Fprintf(tw, "%s:\n", sec.title)
		for _, k := range sortedResourceNames(sec.list) {
			q := sec.list[k]
			fmt.Fprintf(tw, "  %s:\t%s\n", k, q.String())
		}
	}
	var live []*api.Pod
	for _, p := range pods {
		if p.Spec.NodeName == n.Name && p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed {
			live = append(live, p)
		}
	}
	sort.Slice(live, func(i, j int) bool {
		return live[i].Namespace+"/"+live[i].Name < live[j].Namespace+"/"+live[j].Name
	})
	fmt.Fprintf(tw, "Non-terminated Pods:\t(%d in total)\n", len(live))
	fmt.Fprintln(tw, "  NAMESPACE\tNAME\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge")
	var total [4]int64 // cpu req, cpu lim (milli), mem req, mem lim (bytes)
	alloc := n.Status.Allocatable
	for _, p := range live {
		r := podResources(p)
		for i := range total {
			total[i] += r[i]
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Namespace, p.Name,
			share(r[0], alloc, api.ResourceCPU, true), share(r[1], alloc, api.ResourceCPU, true),
			share(r[2], alloc, api.ResourceMemory, false), share(r[3], alloc, api.ResourceMemory, false),
			age(p.CreationTimestamp))
	}
	fmt.Fprintln(tw, "Allocated resources:")
	fmt.Fprintln(tw, "  Resource\tRequests\tLimits")
	fmt.Fprintf(tw, "  cpu\t%s\t%s\n", share(total[0], alloc, api.ResourceCPU, true), share(total[1], alloc, api.ResourceCPU, true))
	fmt.Fprintf(tw, "  memory\t%s\t%s\n", share(total[2], alloc, api.ResourceMemory, false), share(total[3], alloc, api.ResourceMemory, false))
	return tw.Flush()
}

// podResources sums a pod's container requests and limits: CPU in
// millicores, memory in bytes (init containers run before, so they count
// only when they ask for more, as in Kubernetes).
func podResources(p *api.Pod) [4]int64 {
	var sum, initMax [4]int64
	read := func(c api.Container) [4]int64 {
		rq, lm := c.Resources.Requests, c.Resources.Limits
		return [4]int64{rq[api.ResourceCPU].MilliValue(), lm[api.ResourceCPU].MilliValue(), rq[api.ResourceMemory].Value(), lm[api.ResourceMemory].Value()}
	}
	for _, c := range p.Spec.Containers {
		r := read(c)
		for i := range sum {
			sum[i] += r[i]
		}
	}
	for _, c := range p.Spec.InitContainers {
		r := read(c)
		for i := range initMax {
			initMax[i] = max(initMax[i], r[i])
		}
	}
	for i := range sum {
		sum[i] = max(sum[i], initMax[i])
	}
	return sum
}

// share formats an amount and its share of the node's allocatable, e.g.
// "250m (12%)" or "64Mi (3%)".
func share(v int64, alloc api.ResourceList, res string, milli bool) string {
	var q api.Quantity
	var of int64
	a, ok := alloc[res]
	if milli {
		q = api.NewMilliQuantity(v, api.DecimalSI)
		of = a.MilliValue()
	} else {
		q = api.NewQuantity(v, api.BinarySI)
		of = a.Value()
	}
	if !ok || of == 0 {
		return q.String()
	}
	return fmt.Sprintf("%s (%d%%)", q.String(), v*100/of)
}

func sortedResourceNames(l api.ResourceList) []string {
	names := make([]string, 0, len(l))
	for k := range l {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// describeDeployment prints a deployment as kubectl does: selector,
// replicas, strategy, pod template images and conditions.
func describeDeployment(w io.Writer, d *api.Deployment) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", d.Name)
	fmt.Fprintf(tw, "Namespace:\t%s\n", d.Namespace)
	fmt.Fprintf(tw, "Created:\t%s ago\n", age(d.CreationTimestamp))
	fmt.Fprintf(tw, "Labels:\t%s\n", orNone(mapString(d.Labels)))
	fmt.Fprintf(tw, "Annotations:\t%s\n", orNone(mapString(d.Annotations)))
	sel := "<none>"
	if d.Spec.Selector != nil {
		sel = d.Spec.Selector.String()
	}
	fmt.Fprintf(tw, "Selector:\t%s\n", sel)
	st := d.Status
	fmt.Fprintf(tw, "Replicas:\t%d desired | %d updated | %d total | %d available | %d unavailable\n",
		replicas(d.Spec.Replicas), st.UpdatedReplicas, st.Replicas, st.AvailableReplicas, st.UnavailableReplicas)
	strategy := d.Spec.Strategy
	fmt.Fprintf(tw, "StrategyType:\t%s\n", orNone(string(strategy.Type)))
	if ru := strategy.RollingUpdate; ru != nil {
		surge, unavail := "<default>", "<default>"
		if ru.MaxSurge != nil {
			surge = ru.MaxSurge.String()
		}
		if ru.MaxUnavailable != nil {
			unavail = ru.MaxUnavailable.String()
		}
		fmt.Fprintf(tw, "RollingUpdateStrategy:\t%s max unavailable, %s max surge\n", unavail, surge)
	}
	fmt.Fprintln(tw, "Pod Template:")
	for _, c := range d.Spec.Template.Spec.Containers {
		fmt.Fprintf(tw, "  %s:\t%s\n", c.Name, c.Image)
	}
	fmt.Fprintln(tw, "Conditions:")
	fmt.Fprintln(tw, "  Type\tStatus\tReason")
	fmt.Fprintln(tw, "  ----\t------\t------")
	for _, c := range st.Conditions {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Type, c.Status, orNone(c.Reason))
	}
	return tw.Flush()
}
