package pods

import (
	"context"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// ctr is what a worker knows about one container of its pod.
type ctr struct {
	spec api.Container
	id   string
	init bool
	// sidecar is set for an init container with restartPolicy Always;
	// retired once the pod is over and the sidecar is stopped for good.
	sidecar bool
	retired bool

	created bool // a containerd container exists
	// fresh is set while the container was made for the next run and has
	// not started yet (made while the pod's sandbox was being set up).
	fresh   bool
	running bool
	// startedAt is when the current (or last) run started.
	startedAt time.Time
	// term is how the last run ended, while the container is not running.
	term *api.ContainerStateTerminated
	// last is how the run before the current one ended.
	last *api.ContainerStateTerminated
	// waiting explains why the container is not running, or why a
	// running one is being killed (its postStart hook failed).
	waiting *api.ContainerStateWaiting

	restarts int32
	// failures counts consecutive failures to start (image pull, config),
	// for their back-off.
	failures int
	// nextStart is the earliest time of the next start attempt.
	nextStart time.Time
	imageID   string

	ready   bool
	started bool // the startup probe passed (or there is none)
	// killReason is set when the agent killed the run (failed liveness or
	// startup probe): it explains the exit.
	killReason string

	// respawn is set when the agent stops the run to start the container
	// again at once (its image changed), whatever the restart policy.
	respawn bool

	// run counts runs; probe results carry it so a late result of an
	// earlier run is ignored.
	run         int
	cancelProbe context.CancelFunc
}

// stopProbes ends the probe workers of the current run.
func (c *ctr) stopProbes() {
	if c.cancelProbe != nil {
		c.cancelProbe()
		c.cancelProbe = nil
	}
}

// done reports whether an init container has completed successfully.
func (c *ctr) done() bool {
	return !c.running && c.term != nil && c.term.ExitCode == 0
}

// initDone reports whether an init container no longer holds back the
// containers after it: a plain one completed, a sidecar started (runs,
// its postStart returned and its startup probe passed).
func (c *ctr) initDone() bool {
	if c.sidecar {
		return c.running && c.started
	}
	return c.done()
}

// statusOf reports c in the API's shape.
func (c *ctr) status() api.ContainerStatus {
	s := api.ContainerStatus{
		Name:         c.spec.Name,
		Ready:        c.ready,
		RestartCount: c.restarts,
		Image:        c.spec.Image,
		ImageID:      c.imageID,
	}
	if c.created {
		s.ContainerID = "containerd://" + c.id
	}
	if !c.init || c.sidecar {
		started := c.running && c.started
		s.Started = &started
	}
	switch {
	case c.running && c.waiting == nil:
		at := c.startedAt
		s.State.Running = &api.ContainerStateRunning{StartedAt: &at}
	case c.waiting != nil:
		w := *c.waiting
		s.State.Waiting = &w
	case c.term != nil:
		t := *c.term
		s.State.Terminated = &t
	default:
		s.State.Waiting = &api.ContainerStateWaiting{Reason: "ContainerCreating"}
	}
	if c.last != nil {
		t := *c.last
		s.LastState.Terminated = &t
	}
	if c.waiting != nil && c.term != nil && !c.running {
		// Back-off: the last run's end is the last state.
		t := *c.term
		s.LastState.Terminated = &t
	}
	return s
}
