package api

import "time"

func init() {
	register(&Kind{
		Name: "Node", APIVersion: "v1", Plural: "nodes",
		Aliases: []string{"node", "no"}, Namespaced: false, UserWritable: false,
		New: func() Object { return &Node{} },
	})
}

// Node is a machine running a Shoal agent. Agents write their own Node; users
// change only spec.unschedulable, through cordon/uncordon/drain.
type Node struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// Spec is the desired state of the node.
	Spec NodeSpec `json:"spec,omitzero"`
	// Status is reported by the node's agent.
	Status NodeStatus `json:"status,omitzero"`
}

// NodeSpec is the desired state of a node.
type NodeSpec struct {
	// Unschedulable keeps new pods off the node (cordon).
	Unschedulable bool `json:"unschedulable,omitempty"`
	// PodCIDR is the range pod IPs on this node come from, e.g. "10.42.3.0/24".
	PodCIDR string `json:"podCIDR,omitempty"`

	// Scheduling (issue 12).

	// Taints keep pods that do not tolerate them off the node (see
	// api/taint.go); set with `shoal taint`.
	Taints []Taint `json:"taints,omitempty"`
}

// NodeStatus is the observed state of a node.
type NodeStatus struct {
	// Capacity is the node's total resources: cpu, memory,
	// ephemeral-storage, pods.
	Capacity ResourceList `json:"capacity,omitempty"`
	// Allocatable is the part of Capacity that pods may request.
	Allocatable ResourceList `json:"allocatable,omitempty"`
	// Conditions report the node's health; type Ready is the one that
	// matters for scheduling.
	Conditions []NodeCondition `json:"conditions,omitempty"`
	// Addresses are how to reach the node.
	Addresses []NodeAddress `json:"addresses,omitempty"`
	// NodeInfo describes the machine.
	NodeInfo NodeSystemInfo `json:"nodeInfo,omitzero"`
}

// ConditionStatus is the state of a condition.
type ConditionStatus string

// Condition states.
const (
	// ConditionTrue means the condition holds.
	ConditionTrue ConditionStatus = "True"
	// ConditionFalse means the condition does not hold.
	ConditionFalse ConditionStatus = "False"
	// ConditionUnknown means nobody knows, e.g. the node stopped reporting.
	ConditionUnknown ConditionStatus = "Unknown"
)

// NodeConditionType names a node condition.
type NodeConditionType string

// Node condition types.
const (
	// NodeReady is True when the node's agent is healthy and can run pods.
	NodeReady NodeConditionType = "Ready"
	// NodeDiskPressure is True while the node's data dir (or its
	// containerd's) filesystem is short of free space: the node evicts
	// pods and takes no new ones, as Kubernetes' disk-pressure taint.
	NodeDiskPressure NodeConditionType = "DiskPressure"
)

// NodeCondition is one aspect of a node's health.
type NodeCondition struct {
	// Type is the condition's name, e.g. Ready.
	Type NodeConditionType `json:"type"`
	// Status is True, False or Unknown.
	Status ConditionStatus `json:"status"`
	// Reason is a CamelCase word for the last transition.
	Reason string `json:"reason,omitempty"`
	// Message explains the last transition to a human.
	Message string `json:"message,omitempty"`
	// LastHeartbeatTime is when the agent last confirmed the condition.
	LastHeartbeatTime *time.Time `json:"lastHeartbeatTime,omitempty"`
	// LastTransitionTime is when Status last changed.
	LastTransitionTime *time.Time `json:"lastTransitionTime,omitempty"`
}

// NodeAddressType says what kind of address a NodeAddress holds.
type NodeAddressType string

// Node address types.
const (
	// NodeInternalIP is an IP address other nodes reach the node on.
	NodeInternalIP NodeAddressType = "InternalIP"
	// NodeHostname is the node's host name.
	NodeHostname NodeAddressType = "Hostname"
)

// NodeAddress is one address of a node.
type NodeAddress struct {
	// Type is InternalIP or Hostname.
	Type NodeAddressType `json:"type"`
	// Address is the IP address or host name.
	Address string `json:"address"`
}

// NodeSystemInfo describes a node's machine.
type NodeSystemInfo struct {
	// Architecture is the CPU architecture, e.g. "amd64".
	Architecture string `json:"architecture,omitempty"`
	// OperatingSystem is e.g. "linux".
	OperatingSystem string `json:"operatingSystem,omitempty"`
	// KernelVersion is e.g. "6.1.0-18-amd64".
	KernelVersion string `json:"kernelVersion,omitempty"`
	// ContainerRuntimeVersion names the runtime the node's agent runs pods
	// with ("containerd"); empty when it runs none (--runtime none), so
	// nobody there would stop a pod and confirm it.
	ContainerRuntimeVersion string `json:"containerRuntimeVersion,omitempty"`
}

// Condition returns the node's condition of type t, or nil.
func (n *Node) Condition(t NodeConditionType) *NodeCondition {
	for i := range n.Status.Conditions {
		if n.Status.Conditions[i].Type == t {
			return &n.Status.Conditions[i]
		}
	}
	return nil
}

// RunsPods reports whether the node's agent runs (and so stops) pods.
func (n *Node) RunsPods() bool { return n.Status.NodeInfo.ContainerRuntimeVersion != "" }

// IsReady reports whether the node's Ready condition is True.
func (n *Node) IsReady() bool {
	c := n.Condition(NodeReady)
	return c != nil && c.Status == ConditionTrue
}

// HasDiskPressure reports whether the node's DiskPressure condition is
// True.
func (n *Node) HasDiskPressure() bool {
	c := n.Condition(NodeDiskPressure)
	return c != nil && c.Status == ConditionTrue
}
