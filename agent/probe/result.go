package probe

// Kind is which of a container's probes a worker runs.
type Kind string

// Probe kinds.
const (
	// Liveness restarts the container when it fails.
	Liveness Kind = "liveness"
	// Readiness marks the container ready while it passes.
	Readiness Kind = "readiness"
	// Startup holds off liveness and readiness until it passes once.
	Startup Kind = "startup"
)

// Initial is the result the caller should assume before the kind's worker
// sends its first Update: readiness starts not ready, liveness starts
// passing and startup starts undetermined, as in kubelet.
func (k Kind) Initial() Result {
	switch k {
	case Readiness:
		return Failure
	case Liveness:
		return Success
	}
	return Unknown
}

func (k Kind) valid() bool {
	return k == Liveness || k == Readiness || k == Startup
}

// Result is the outcome of a probe attempt, or a worker's thresholded
// verdict.
type Result int

// Results.
const (
	// Unknown means no verdict: the attempt could not be made.
	Unknown Result = iota
	// Success means the probe passed.
	Success
	// Failure means the probe failed.
	Failure
)

// String returns "unknown", "success" or "failure".
func (r Result) String() string {
	switch r {
	case Success:
		return "success"
	case Failure:
		return "failure"
	}
	return "unknown"
}

// Update is a change of a worker's thresholded result.
type Update struct {
	// Kind is the probe's kind.
	Kind Kind
	// ContainerID is the probed container (Target.ContainerID).
	ContainerID string
	// Result is the new result, Success or Failure.
	Result Result
	// Message explains the attempt that decided it; empty on Success.
	Message string
}
