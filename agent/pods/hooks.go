package pods

import (
	"context"
	"fmt"
	"time"

	"github.com/shoal-dev/shoal/agent/probe"
	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/api"
)

// Container lifecycle hooks, with kubelet's semantics. postStart runs
// right after the container starts, in the worker: the container is not
// Running, its probes do not start and the pod's next container does not
// start until the hook returns; a failing hook kills the container and the
// restart policy decides. preStop runs before SIGTERM whenever the node
// stops a running container with a grace period (pod deletion, failed
// liveness or startup probe, failed postStart, new image); its time counts
// against the grace period, and SIGTERM follows when it returns, fails or
// runs out of time, with at least minGrace left before SIGKILL.

// Event reasons of failed hooks, as kubelet's.
const (
	reasonFailedPostStartHook = "FailedPostStartHook"
	reasonFailedPreStopHook   = "FailedPreStopHook"
)

// hookTarget is what c's hooks run against: its pod's IP (for httpGet),
// its ports (to resolve names) and the container itself (for exec).
func (w *worker) hookTarget(c *ctr) probe.Target {
	t := probe.Target{Ports: c.spec.Ports, ContainerID: c.id, Exec: execer{w.m.rt}}
	if w.sandbox != nil {
		t.PodIP = w.sandbox.IP.String()
	} else if sb, ok := w.m.net.Lookup(w.uid); ok {
		t.PodIP = sb.IP.String()
	}
	return t
}

// postStart runs c's postStart hook, if it has one, right after c
// started, and reports whether c may go on running. When the hook fails,
// c is being killed (its exit shows up like any other) and shows
// PostStartHookError until then. When ctx ends during the hook (the pod
// or the agent stops) nothing is decided.
func (w *worker) postStart(ctx context.Context, c *ctr) bool {
	if c.spec.Lifecycle == nil || c.spec.Lifecycle.PostStart == nil {
		return true
	}
	err := probe.RunHandler(ctx, c.spec.Lifecycle.PostStart, w.hookTarget(c), nil)
	if err == nil || ctx.Err() != nil {
		return err == nil
	}
	msg := "PostStartHook failed: " + err.Error()
	w.event(c, api.EventWarning, reasonFailedPostStartHook, msg)
	w.m.logger.Warn("postStart hook failed; killing the container", "pod", w.key, "container", c.spec.Name, "err", err)
	c.waiting = &api.ContainerStateWaiting{Reason: "PostStartHookError", Message: msg}
	w.kill(c, "failed its postStart hook")
	return false
}

// stopper stops one container: its preStop hook, then SIGTERM and, once
// the grace period is over, SIGKILL. It holds copies of what it needs, so
// it may run outside the worker's goroutine.
type stopper struct {
	m       *Manager
	pod     *api.Pod // for events
	name    string   // the container's name
	id      string
	preStop *api.LifecycleHandler
	target  probe.Target
}

// stopperOf returns the stopper of c as the pod is now.
func (w *worker) stopperOf(c *ctr) stopper {
	s := stopper{m: w.m, pod: w.pod, name: c.spec.Name, id: c.id, target: w.hookTarget(c)}
	if c.spec.Lifecycle != nil {
		s.preStop = c.spec.Lifecycle.PreStop
	}
	return s
}

// stop runs the preStop hook, if there is one, the grace period is not 0
// and the container runs, for at most grace; then it stops the container
// with what is left of grace (at least minGrace when the hook ran).
func (s stopper) stop(ctx context.Context, grace time.Duration) error {
	if s.preStop != nil && grace > 0 && s.runs(ctx) {
		began := time.Now()
		s.runPreStop(ctx, grace)
		grace = max(grace-time.Since(began), minGrace)
	}
	return s.m.rt.StopContainer(ctx, s.id, grace)
}

// runs reports whether the container is running.
func (s stopper) runs(ctx context.Context) bool {
	info, err := s.m.rt.ContainerStatus(ctx, s.id)
	return err == nil && info.State == runtime.StateRunning
}

// runPreStop runs the preStop hook for at most grace; a failure is an
// event and a log line, and stopping goes on.
func (s stopper) runPreStop(ctx context.Context, grace time.Duration) {
	hctx, cancel := context.WithTimeout(ctx, grace)
	defer cancel()
	err := probe.RunHandler(hctx, s.preStop, s.target, nil)
	if err == nil {
		return
	}
	if hctx.Err() != nil && ctx.Err() == nil {
		err = fmt.Errorf("did not finish within the grace period (%s): %w", grace, err)
	}
	s.m.events.record(s.pod, s.name, api.EventWarning, reasonFailedPreStopHook, "PreStopHook failed: "+err.Error())
	s.m.logger.Warn("preStop hook failed; stopping the container anyway", "pod", s.pod.Namespace+"/"+s.pod.Name, "container", s.name, "err", err)
}
