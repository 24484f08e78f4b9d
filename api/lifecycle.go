package api

// Lifecycle holds the handlers the node runs at points of a container's
// life, as in Kubernetes.
type Lifecycle struct {
	// PostStart runs right after the container starts; the container is
	// not Running (nor Ready) until it returns, and a failing one kills
	// the container, which the restart policy then restarts.
	PostStart *LifecycleHandler `json:"postStart,omitempty"`
	// PreStop runs before the container gets SIGTERM when it is stopped;
	// its time counts against terminationGracePeriodSeconds. A failing one
	// is reported as an event and the container is stopped anyway.
	PreStop *LifecycleHandler `json:"preStop,omitempty"`
}

// LifecycleHandler is one lifecycle hook's action; exactly one field is
// set. (Kubernetes' deprecated tcpSocket is not supported.)
type LifecycleHandler struct {
	// Exec runs a command in the container; it fails unless the command
	// exits 0.
	Exec *ExecAction `json:"exec,omitempty"`
	// HTTPGet sends a GET request to the container (the pod's IP by
	// default); as in kubelet it fails only when no answer comes (any
	// HTTP status is an answer).
	HTTPGet *HTTPGetAction `json:"httpGet,omitempty"`
	// Sleep waits.
	Sleep *SleepAction `json:"sleep,omitempty"`
}

// SleepAction waits for a number of seconds.
type SleepAction struct {
	// Seconds is how long to wait, from 0 to the pod's
	// terminationGracePeriodSeconds.
	Seconds int64 `json:"seconds"`
}
