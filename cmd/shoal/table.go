package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// column is one table column: its header and how to read a cell.
type column struct {
	header string
	wide   bool
	cell   func(api.Object) string
}

// withoutStatus are the kinds whose tables follow kubectl's and have no
// STATUS column.
var withoutStatus = map[string]bool{"Service": true, "Endpoints": true, "Ingress": true, "IngressClass": true, "CronJob": true, "Pod": true, "PodDisruptionBudget": true, "PriorityClass": true, "StorageClass": true, "ServiceAccount": true}

// printTable prints objects as a table: NAME, STATUS (except for the
// kinds in withoutStatus), then kind-specific columns, AGE last unless the
// kind places it. -A adds NAMESPACE first, as kubectl does; -o wide adds
// the wide columns.
func printTable(w io.Writer, kind *api.Kind, objs []api.Object, wide, withNS bool) error {
	return printTableAs(w, kind, objs, wide, withNS, "")
}

// printTableAs is printTable with prefix in front of every name (e.g.
// "deployment/" when a table of several kinds is printed).
func printTableAs(w io.Writer, kind *api.Kind, objs []api.Object, wide, withNS bool, prefix string) error {
	return printRows(w, tableColumns(kind, wide, withNS, prefix), objs, true)
}

// tableColumns are the columns printTableAs shows for kind.
func tableColumns(kind *api.Kind, wide, withNS bool, prefix string) []column {
	var cols []column
	if withNS {
		cols = append(cols, column{header: "NAMESPACE", cell: func(o api.Object) string { return o.GetObjectMeta().Namespace }})
	}
	cols = append(cols, column{header: "NAME", cell: func(o api.Object) string { return prefix + displayName(o) }})
	if !withoutStatus[kind.Name] {
		cols = append(cols, column{header: "STATUS", cell: statusOf})
	}
	cols = append(cols, kindColumns(kind.Name)...)
	if !hasColumn(cols, "AGE") { // kinds whose AGE is not last (pods) place it themselves
		cols = append(cols, column{header: "AGE", cell: func(o api.Object) string { return age(o.GetObjectMeta().CreationTimestamp) }})
	}
	var shown []column
	for _, c := range cols {
		if !c.wide || wide {
			shown = append(shown, c)
		}
	}
	return shown
}

// printRows prints objs as rows of cols, aligned, under a header line if
// header is set.
func printRows(w io.Writer, cols []column, objs []api.Object, header bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	if header {
		hdr := make([]string, len(cols))
		for i, c := range cols {
			hdr[i] = c.header
		}
		fmt.Fprintln(tw, strings.Join(hdr, "\t"))
	}
	for _, o := range objs {
		row := make([]string, len(cols))
		for i, c := range cols {
			row[i] = c.cell(o)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

func hasColumn(cols []column, header string) bool {
	for _, c := range cols {
		if c.header == header {
			return true
		}
	}
	return false
}

// statusOf is the STATUS cell: Ready/NotReady for nodes, the phase for
// pods (Terminating once deleted, until gone), Ready/Progressing for workloads, Active otherwise.
func statusOf(o api.Object) string {
	switch o := o.(type) {
	case *api.Node:
		s := "NotReady"
		if o.IsReady() {
			s = "Ready"
		}
		if o.Spec.Unschedulable {
			s += ",SchedulingDisabled"
		}
		return s
	case *api.Pod:
		return podStatus(o)
	case *api.Deployment:
		return readiness(o.Status.ReadyReplicas, replicas(o.Spec.Replicas))
	case *api.ReplicaSet:
		return readiness(o.Status.ReadyReplicas, replicas(o.Spec.Replicas))
	case *api.StatefulSet:
		return readiness(o.Status.ReadyReplicas, replicas(o.Spec.Replicas))
	case *api.DaemonSet:
		return readiness(o.Status.NumberReady, o.Status.DesiredNumberScheduled)
	case *api.Job:
		return jobStatus(o)
	case *api.PersistentVolumeClaim:
		return claimStatus(o)
	default:
		return "Active"
	}
}

func readiness(ready, want int32) string {
	if ready >= want {
		return "Ready"
	}
	return "Progressing"
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

func kindColumns(kind string) []column {
	switch kind {
	case "ClusterConfig":
		spec := func(o api.Object) *api.ClusterConfigSpec { return &o.(*api.ClusterConfig).Spec }
		return []column{
			{header: "CLUSTER-CIDR", cell: func(o api.Object) string { return spec(o).ClusterCIDR }},
			{header: "SERVICE-CIDR", cell: func(o api.Object) string { return spec(o).ServiceCIDR }},
			{header: "DOMAIN", cell: func(o api.Object) string { return spec(o).ClusterDomain }},
			{header: "NODE-PORTS", cell: func(o api.Object) string { return spec(o).NodePortRange }},
			{header: "NODE-GRACE", wide: true, cell: func(o api.Object) string { return spec(o).NodeGrace.String() }},
			{header: "FENCE-AFTER", wide: true, cell: func(o api.Object) string { return spec(o).FenceAfter.String() }},
		}
	case "Node":
		return []column{
			{header: "ROLE", cell: annotation(api.AnnotationRaftRole)},
			{header: "CPU", cell: func(o api.Object) string { return capacity(o, "cpu") }},
			{header: "MEMORY", cell: func(o api.Object) string { return capacity(o, "memory") }},
			{header: "FREE-CPU", wide: true, cell: annotation(api.AnnotationFreeCPU)},
			{header: "FREE-MEMORY", wide: true, cell: annotation(api.AnnotationFreeMemory)},
			{header: "INTERNAL-IP", wide: true, cell: func(o api.Object) string {
				for _, a := range o.(*api.Node).Status.Addresses {
					if a.Type == api.NodeInternalIP {
						return a.Address
					}
				}
				return "<none>"
			}},
			{header: "OS/ARCH", wide: true, cell: func(o api.Object) string {
				ni := o.(*api.Node).Status.NodeInfo
				return ni.OperatingSystem + "/" + ni.Architecture
			}},
		}
	case "Event":
		return []column{
			{header: "TYPE", cell: func(o api.Object) string { return o.(*api.Event).Type }},
			{header: "REASON", cell: func(o api.Object) string { return o.(*api.Event).Reason }},
			{header: "OBJECT", cell: func(o api.Object) string {
				r := o.(*api.Event).InvolvedObject
				return strings.ToLower(r.Kind) + "/" + r.Name
			}},
			{header: "COUNT", wide: true, cell: func(o api.Object) string { return fmt.Sprint(o.(*api.Event).Count) }},
			{header: "MESSAGE", cell: func(o api.Object) string { return o.(*api.Event).Message }},
		}
	case "Pod":
		return podColumns()
	case "Deployment":
		return []column{
			{header: "READY", cell: func(o api.Object) string {
				d := o.(*api.Deployment)
				return fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, replicas(d.Spec.Replicas))
			}},
			{header: "UP-TO-DATE", cell: func(o api.Object) string { return fmt.Sprint(o.(*api.Deployment).Status.UpdatedReplicas) }},
			{header: "AVAILABLE", cell: func(o api.Object) string { return fmt.Sprint(o.(*api.Deployment).Status.AvailableReplicas) }},
		}
	case "ReplicaSet":
		return []column{
			{header: "DESIRED", cell: func(o api.Object) string { return fmt.Sprint(replicas(o.(*api.ReplicaSet).Spec.Replicas)) }},
			{header: "READY", cell: func(o api.Object) string { return fmt.Sprint(o.(*api.ReplicaSet).Status.ReadyReplicas) }},
		}
	case "StatefulSet":
		return []column{{header: "READY", cell: func(o api.Object) string {
			s := o.(*api.StatefulSet)
			return fmt.Sprintf("%d/%d", s.Status.ReadyReplicas, replicas(s.Spec.Replicas))
		}}}
	case "DaemonSet":
		return []column{
			{header: "DESIRED", cell: func(o api.Object) string { return fmt.Sprint(o.(*api.DaemonSet).Status.DesiredNumberScheduled) }},
			{header: "READY", cell: func(o api.Object) string { return fmt.Sprint(o.(*api.DaemonSet).Status.NumberReady) }},
		}
	case "Service":
		return serviceColumns()
	case "Endpoints":
		return endpointsColumns()
	case "Ingress":
		return ingressColumns()
	case "IngressClass":
		return ingressClassColumns()
	case "Job":
		return jobColumns(time.Now)
	case "CronJob":
		return cronJobColumns()
	case "PodDisruptionBudget":
		return pdbColumns()
	case "PriorityClass":
		return priorityClassColumns()
	case "PersistentVolumeClaim":
		return claimColumns()
	case "StorageClass":
		return storageClassColumns()
	case "ServiceAccount":
		return serviceAccountColumns()
	case "ConfigMap":
		return []column{{header: "DATA", cell: func(o api.Object) string {
			c := o.(*api.ConfigMap)
			return fmt.Sprint(len(c.Data) + len(c.BinaryData))
		}}}
	case "Secret":
		return []column{
			{header: "TYPE", cell: func(o api.Object) string { return string(o.(*api.Secret).Type) }},
			{header: "DATA", cell: func(o api.Object) string { return fmt.Sprint(len(o.(*api.Secret).Data)) }},
		}
	}
	return nil
}

func annotation(key string) func(api.Object) string {
	return func(o api.Object) string { return orNone(o.GetObjectMeta().Annotations[key]) }
}

func capacity(o api.Object, res string) string {
	q, ok := o.(*api.Node).Status.Capacity[res]
	if !ok {
		return "<none>"
	}
	return q.String()
}

// age formats the time since t like kubectl: 45s, 12m, 5h, 3d.
func age(t *time.Time) string {
	if t == nil {
		return "<unknown>"
	}
	return ageAt(*t, time.Now())
}

// ageAt formats the time from t to now like kubectl: 45s, 12m, 5h, 3d.
func ageAt(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 0:
		return "0s"
	case d < 2*time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < 2*time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}
