package pods

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/shoal-dev/shoal/agent/probe"
	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/api"
)

// execer runs probe commands in containers through the runtime.
type execer struct{ rt Runtime }

func (e execer) Exec(ctx context.Context, id string, args []string) (int, []byte, error) {
	var out bytes.Buffer
	code, err := e.rt.Exec(ctx, id, runtime.ExecConfig{Args: args, Stdout: &out, Stderr: &out})
	return code, out.Bytes(), err
}

// startProbes starts c's probe workers for its current run: the startup
// probe first; liveness and readiness once it has passed.
func (w *worker) startProbes(ctx context.Context, c *ctr) {
	c.stopProbes()
	c.run++
	if c.spec.StartupProbe == nil && c.spec.LivenessProbe == nil && c.spec.ReadinessProbe == nil {
		c.ready = c.running
		return
	}
	pctx, cancel := context.WithCancel(ctx)
	c.cancelProbe = cancel
	if !c.started {
		w.runProbe(pctx, c, probe.Startup)
		return
	}
	if c.spec.ReadinessProbe == nil {
		c.ready = true
	}
	w.runProbe(pctx, c, probe.Liveness)
	w.runProbe(pctx, c, probe.Readiness)
}

// runProbe starts the worker of one probe kind, if c has that probe.
func (w *worker) runProbe(ctx context.Context, c *ctr, kind probe.Kind) {
	p := c.spec.LivenessProbe
	switch kind {
	case probe.Readiness:
		p = c.spec.ReadinessProbe
	case probe.Startup:
		p = c.spec.StartupProbe
	}
	if p == nil {
		return
	}
	target := probe.Target{PodIP: w.sandbox.IP.String(), Ports: c.spec.Ports, ContainerID: c.id, Exec: execer{w.m.rt}, StartedAt: c.startedAt}
	out := make(chan probe.Update, 4)
	run := c.run
	pw := probe.NewWorker(kind, p, target, probe.RealClock, out)
	go func() { _ = pw.Run(ctx) }()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case u := <-out:
				select {
				case w.probeCh <- taggedUpdate{c: c, run: run, u: u}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
}

// applyProbe acts on a probe result: readiness sets Ready, a failed
// liveness or startup probe kills the container (the restart policy then
// decides), a passed startup probe starts the other two.
func (w *worker) applyProbe(ctx context.Context, t taggedUpdate) {
	c, u := t.c, t.u
	if t.run != c.run || !c.running {
		return
	}
	switch u.Kind {
	case probe.Readiness:
		c.ready = u.Result == probe.Success
		if u.Result == probe.Failure {
			w.event(c, api.EventWarning, "Unhealthy", "Readiness probe failed: "+u.Message)
		}
	case probe.Startup:
		if u.Result == probe.Success {
			c.started = true
			w.startProbes(ctx, c)
			return
		}
		if u.Result == probe.Failure {
			w.event(c, api.EventWarning, "Unhealthy", "Startup probe failed: "+u.Message)
			w.kill(c, fmt.Sprintf("startup probe failed: %s", u.Message))
		}
	case probe.Liveness:
		if u.Result == probe.Failure {
			w.event(c, api.EventWarning, "Unhealthy", "Liveness probe failed: "+u.Message)
			w.kill(c, fmt.Sprintf("liveness probe failed: %s", u.Message))
		}
	}
}

// kill stops c's current run in the background with the pod's grace
// period (its preStop hook first); the exit shows up like any other.
func (w *worker) kill(c *ctr, why string) {
	c.stopProbes()
	c.ready = false
	c.killReason = why
	w.event(c, api.EventNormal, "Killing", fmt.Sprintf("Container %s %s, will be restarted", c.spec.Name, why))
	w.m.logger.Info("killing container", "pod", w.pod.Namespace+"/"+w.pod.Name, "container", c.spec.Name, "why", why)
	grace := 30 * time.Second
	if g := w.pod.Spec.TerminationGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	id, s, nudge := c.id, w.stopperOf(c), w.nudge
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), grace+10*time.Second)
		defer cancel()
		if err := s.stop(ctx, grace); err != nil {
			w.m.logger.Warn("kill container", "container", id, "err", err)
		}
		nudge()
	}()
}
