package placement

import (
	"github.com/shoal-dev/shoal/api"
)

// ZoneLabel is the node label that names a node's failure zone; replicas of
// one owner are spread across zones as well as nodes.
const ZoneLabel = "topology.kubernetes.io/zone"

// DefaultMaxPods is how many pods a node holds when its status does not say.
const DefaultMaxPods = 110

// Resources is an amount of the resources placement accounts for.
type Resources struct {
	// MilliCPU is CPU in thousandths of a core.
	MilliCPU int64
	// Memory is memory in bytes.
	Memory int64
	// Pods is a number of pods.
	Pods int64
}

// Add returns r+o.
func (r Resources) Add(o Resources) Resources {
	return Resources{MilliCPU: r.MilliCPU + o.MilliCPU, Memory: r.Memory + o.Memory, Pods: r.Pods + o.Pods}
}

// Sub returns r-o.
func (r Resources) Sub(o Resources) Resources {
	return Resources{MilliCPU: r.MilliCPU - o.MilliCPU, Memory: r.Memory - o.Memory, Pods: r.Pods - o.Pods}
}

// NodeInfo is what placement knows about one node.
type NodeInfo struct {
	// Name is the node's name; decisions refer to nodes by it.
	Name string
	// Labels are the node's labels, matched by pods' nodeSelectors. They are
	// read, never modified.
	Labels map[string]string
	// Ready is true when the node's Ready condition is True.
	Ready bool
	// Unschedulable is true when the node is cordoned.
	Unschedulable bool
	// DiskPressure is true while the node reports disk pressure (its
	// DiskPressure condition): it takes no new pods, as Kubernetes'
	// node.kubernetes.io/disk-pressure taint.
	DiskPressure bool
	// Allocatable is what pods may request on the node in total.
	Allocatable Resources
	// Free, when set, is what the node last reported free by gossip. The
	// scheduler then treats the smaller of Free and Allocatable minus the
	// requests of the node's pods as what remains of cpu and memory, so
	// usage the snapshot does not know about is not over-committed. Its
	// Pods field is not used.
	Free *Resources
	// Zone is the node's failure zone (the ZoneLabel label); "" is a zone
	// of its own.
	Zone string
	// Taints are the node's taints (spec.taints): NoSchedule and NoExecute
	// ones keep pods that do not tolerate them off, PreferNoSchedule ones
	// send such pods elsewhere while another node fits. Read, never
	// modified.
	Taints []api.Taint
}

// Snapshot is the read-only view of the cluster that Schedule places pods
// in. Nothing in it is modified.
type Snapshot struct {
	// Nodes are the cluster's nodes, in any order; a name listed twice
	// counts once (the first entry), a node without a name not at all.
	Nodes []NodeInfo
	// Pods are the cluster's existing pods, in any order. Those bound to a
	// node in Nodes (spec.nodeName) use its resources and host ports and
	// count for spreading their owner, unless they have finished
	// (Succeeded or Failed). Unbound pods are ignored.
	Pods []*api.Pod
}

// NodeInfoFrom returns what placement needs to know about n. Allocatable
// falls back to capacity for a resource the status does not list, and pods
// to DefaultMaxPods.
func NodeInfoFrom(n *api.Node) NodeInfo {
	get := func(name string) (api.Quantity, bool) {
		if q, ok := n.Status.Allocatable[name]; ok {
			return q, true
		}
		q, ok := n.Status.Capacity[name]
		return q, ok
	}
	info := NodeInfo{
		Name:          n.Name,
		Labels:        n.Labels,
		Ready:         n.IsReady(),
		Unschedulable: n.Spec.Unschedulable,
		DiskPressure:  n.HasDiskPressure(),
		Zone:          n.Labels[ZoneLabel],
		Taints:        n.Spec.Taints,
	}
	if q, ok := get(api.ResourceCPU); ok {
		info.Allocatable.MilliCPU = q.MilliValue()
	}
	if q, ok := get(api.ResourceMemory); ok {
		info.Allocatable.Memory = q.Value()
	}
	info.Allocatable.Pods = DefaultMaxPods
	if q, ok := get(api.ResourcePods); ok {
		info.Allocatable.Pods = q.Value()
	}
	return info
}

// PodRequests returns what p reserves on its node: per resource, the larger
// of the sum over its containers and sidecars and the largest init
// container plus the sidecars started before it (init containers run one
// at a time, before the others), as Kubernetes computes it; Pods is 1.
func PodRequests(p *api.Pod) Resources {
	// As in Kubernetes: sidecars (init containers with restartPolicy
	// Always) run next to everything after them, so they add to the main
	// containers and to every init container that follows them.
	var sum, initMax, sidecars Resources
	for i := range p.Spec.InitContainers {
		c := &p.Spec.InitContainers[i]
		r := containerRequests(c)
		if c.IsSidecar() {
			sidecars = sidecars.Add(r)
			r = sidecars
		} else {
			r = r.Add(sidecars)
		}
		initMax.MilliCPU = max(initMax.MilliCPU, r.MilliCPU)
		initMax.Memory = max(initMax.Memory, r.Memory)
	}
	sum = sidecars
	for i := range p.Spec.Containers {
		sum = sum.Add(containerRequests(&p.Spec.Containers[i]))
	}
	return Resources{
		MilliCPU: max(sum.MilliCPU, initMax.MilliCPU),
		Memory:   max(sum.Memory, initMax.Memory),
		Pods:     1,
	}
}

func containerRequests(c *api.Container) Resources {
	req := c.Resources.Requests
	if len(req) == 0 {
		return Resources{}
	}
	return Resources{
		MilliCPU: req[api.ResourceCPU].MilliValue(),
		Memory:   req[api.ResourceMemory].Value(),
	}
}

// ownerKey identifies the controller that owns p ("" for none): pods with
// the same key are spread across nodes and zones.
func ownerKey(p *api.Pod) string {
	for _, ref := range p.OwnerReferences {
		if ref.Controller == nil || !*ref.Controller {
			continue
		}
		if ref.UID != "" {
			return ref.Kind + "/" + ref.UID
		}
		return ref.Kind + "/" + p.Namespace + "/" + ref.Name
	}
	return ""
}

// hostPorts returns the host ports p publishes, as protocol<<16|port.
func hostPorts(p *api.Pod) []uint32 {
	var out []uint32
	for i := range p.Spec.Containers {
		for _, port := range p.Spec.Containers[i].Ports {
			if port.HostPort <= 0 || port.HostPort > 65535 {
				continue
			}
			out = append(out, protoCode(port.Protocol)<<16|uint32(port.HostPort))
		}
	}
	return out
}

func protoCode(p api.Protocol) uint32 {
	switch p {
	case api.ProtocolUDP:
		return 1
	case api.ProtocolSCTP:
		return 2
	}
	return 0 // TCP, the default
}

// finished reports whether p has ended and no longer holds resources.
func finished(p *api.Pod) bool {
	return p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed
}
