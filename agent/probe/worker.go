package probe

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// Worker runs one probe of one container on its schedule and sends the
// thresholded result on a channel; see the package documentation for the
// lifecycle.
type Worker struct {
	kind   Kind
	probe  *api.Probe
	target Target
	clock  Clock
	out    chan<- Update
}

// NewWorker returns a worker running probe p of kind against t and sending
// updates on out. A nil clock is RealClock. Run checks the arguments.
func NewWorker(kind Kind, p *api.Probe, t Target, clock Clock, out chan<- Update) *Worker {
	if clock == nil {
		clock = RealClock
	}
	return &Worker{kind: kind, probe: p, target: t, clock: clock, out: out}
}

// Run probes until ctx ends, returning nil, or until the result is final:
// liveness Failure, startup Success or Failure. It sends an Update on the
// first determined result and on every change, blocking until the update
// is taken or ctx ends. It returns an error only for bad arguments.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.validate(); err != nil {
		return err
	}
	period := seconds(w.probe.PeriodSeconds, 10)
	start := w.target.StartedAt
	if start.IsZero() {
		start = w.clock.Now()
	}
	next := start.Add(seconds(w.probe.InitialDelaySeconds, 0))
	t := newTally(w.probe.SuccessThreshold, w.probe.FailureThreshold)
	for {
		if !w.sleepUntil(ctx, next) {
			return nil
		}
		began := w.clock.Now()
		res, msg := Check(ctx, w.probe, w.target)
		if ctx.Err() != nil {
			return nil
		}
		if r, changed := t.observe(res); changed {
			u := Update{Kind: w.kind, ContainerID: w.target.ContainerID, Result: r, Message: msg}
			select {
			case w.out <- u:
			case <-ctx.Done():
				return nil
			}
			if w.final(r) {
				return nil
			}
		}
		next = began.Add(period)
	}
}

func (w *Worker) validate() error {
	switch {
	case !w.kind.valid():
		return fmt.Errorf("unknown probe kind %q", w.kind)
	case w.probe == nil:
		return errors.New("no probe")
	case w.out == nil:
		return errors.New("no update channel")
	}
	return nil
}

// final reports whether r ends the worker's job: a failed liveness probe
// restarts the container and a startup probe decides only once.
func (w *Worker) final(r Result) bool {
	return w.kind == Startup || w.kind == Liveness && r == Failure
}

// sleepUntil waits for the clock to reach t; false when ctx ended first.
func (w *Worker) sleepUntil(ctx context.Context, t time.Time) bool {
	d := t.Sub(w.clock.Now())
	if d <= 0 {
		return ctx.Err() == nil
	}
	select {
	case <-ctx.Done():
		return false
	case <-w.clock.After(d):
		return true
	}
}

// seconds is n seconds, or def seconds when n is not positive.
func seconds(n, def int32) time.Duration {
	if n <= 0 {
		n = def
	}
	return time.Duration(n) * time.Second
}
