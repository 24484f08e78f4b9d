package api

import "time"

// PodPhase is where a pod is in its life.
type PodPhase string

// Pod phases.
const (
	// PodPending pods are accepted but not all containers are running yet.
	PodPending PodPhase = "Pending"
	// PodRunning pods are on a node with at least one container running.
	PodRunning PodPhase = "Running"
	// PodSucceeded pods' containers all exited 0 and will not restart.
	PodSucceeded PodPhase = "Succeeded"
	// PodFailed pods' containers all exited and at least one failed.
	PodFailed PodPhase = "Failed"
	// PodUnknown pods are on a node that stopped reporting.
	PodUnknown PodPhase = "Unknown"
)

// PodStatus is the observed state of a pod, written by its node's agent.
type PodStatus struct {
	// Phase summarizes the pod's state.
	Phase PodPhase `json:"phase,omitempty"`
	// Conditions are PodScheduled, Initialized, ContainersReady and Ready.
	Conditions []PodCondition `json:"conditions,omitempty"`
	// Message explains the pod's state to a human.
	Message string `json:"message,omitempty"`
	// Reason is a CamelCase word for the pod's state, e.g. "Evicted".
	Reason string `json:"reason,omitempty"`
	// HostIP is the IP of the node the pod runs on.
	HostIP string `json:"hostIP,omitempty"`
	// PodIP is the pod's primary IP.
	PodIP string `json:"podIP,omitempty"`
	// PodIPs are all of the pod's IPs; the first is PodIP.
	PodIPs []PodIP `json:"podIPs,omitempty"`
	// StartTime is when the agent accepted the pod.
	StartTime *time.Time `json:"startTime,omitempty"`
	// InitContainerStatuses report the init containers, in spec order.
	InitContainerStatuses []ContainerStatus `json:"initContainerStatuses,omitempty"`
	// ContainerStatuses report the containers, in spec order.
	ContainerStatuses []ContainerStatus `json:"containerStatuses,omitempty"`

	// Preemption (issue 12).

	// NominatedNodeName is set by the leader on a pending pod that
	// preempted lower-priority pods: the node it waits to be placed on.
	NominatedNodeName string `json:"nominatedNodeName,omitempty"`
}

// PodConditionType names a pod condition.
type PodConditionType string

// Pod condition types.
const (
	// PodScheduled is True once the pod has a node.
	PodScheduled PodConditionType = "PodScheduled"
	// PodInitialized is True once every init container has succeeded.
	PodInitialized PodConditionType = "Initialized"
	// ContainersReady is True when every container is ready.
	ContainersReady PodConditionType = "ContainersReady"
	// PodReady is True when the pod can serve; services route only to ready
	// pods.
	PodReady PodConditionType = "Ready"
)

// PodCondition is one aspect of a pod's state.
type PodCondition struct {
	// Type is the condition's name, e.g. Ready.
	Type PodConditionType `json:"type"`
	// Status is True, False or Unknown.
	Status ConditionStatus `json:"status"`
	// Reason is a CamelCase word for the last transition.
	Reason string `json:"reason,omitempty"`
	// Message explains the last transition to a human.
	Message string `json:"message,omitempty"`
	// LastTransitionTime is when Status last changed.
	LastTransitionTime *time.Time `json:"lastTransitionTime,omitempty"`
}

// PodIP is one IP address of a pod.
type PodIP struct {
	// IP is the address.
	IP string `json:"ip"`
}

// ContainerStatus is the observed state of one container.
type ContainerStatus struct {
	// Name is the container's name from the spec.
	Name string `json:"name"`
	// State is the container's current state.
	State ContainerState `json:"state,omitzero"`
	// LastState is the state of the previous run, if it was restarted.
	LastState ContainerState `json:"lastState,omitzero"`
	// Ready is true when the readiness probe passes (or there is none and
	// the container is running).
	Ready bool `json:"ready"`
	// RestartCount counts restarts of the container.
	RestartCount int32 `json:"restartCount"`
	// Image is the image the container runs.
	Image string `json:"image"`
	// ImageID is the digest of that image.
	ImageID string `json:"imageID"`
	// ContainerID is "containerd://ID".
	ContainerID string `json:"containerID,omitempty"`
	// Started is true once the startup probe (if any) has passed.
	Started *bool `json:"started,omitempty"`
}

// ContainerState is a container's state; at most one field is set.
type ContainerState struct {
	// Waiting means the container is not running yet.
	Waiting *ContainerStateWaiting `json:"waiting,omitempty"`
	// Running means the container is running.
	Running *ContainerStateRunning `json:"running,omitempty"`
	// Terminated means the container has exited.
	Terminated *ContainerStateTerminated `json:"terminated,omitempty"`
}

// ContainerStateWaiting is a container that has not started.
type ContainerStateWaiting struct {
	// Reason is why, e.g. "ContainerCreating", "ImagePullBackOff",
	// "CrashLoopBackOff".
	Reason string `json:"reason,omitempty"`
	// Message gives details.
	Message string `json:"message,omitempty"`
}

// ContainerStateRunning is a running container.
type ContainerStateRunning struct {
	// StartedAt is when the container started.
	StartedAt *time.Time `json:"startedAt,omitempty"`
}

// ContainerStateTerminated is a container that has exited.
type ContainerStateTerminated struct {
	// ExitCode is the process's exit status.
	ExitCode int32 `json:"exitCode"`
	// Reason is e.g. "Completed", "Error", "OOMKilled".
	Reason string `json:"reason,omitempty"`
	// Message gives details.
	Message string `json:"message,omitempty"`
	// StartedAt is when the container started.
	StartedAt *time.Time `json:"startedAt,omitempty"`
	// FinishedAt is when the container exited.
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
}

// Condition returns the pod's condition of type t, or nil.
func (s *PodStatus) Condition(t PodConditionType) *PodCondition {
	for i := range s.Conditions {
		if s.Conditions[i].Type == t {
			return &s.Conditions[i]
		}
	}
	return nil
}
