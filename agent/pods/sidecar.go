package pods

import (
	"context"
	"fmt"
	"time"
)

// Sidecars are init containers with restartPolicy Always, as in
// Kubernetes: each starts in its turn among the init containers, and the
// next one waits until it has started (postStart returned, startup probe
// passed), not until it exits. It then keeps running next to the pod's
// containers, restarted with back-off whenever it exits, whatever the
// pod's restart policy. Its readiness counts towards the pod's. It does
// not count towards the pod's phase: a pod whose containers are done
// (a Job's) is Succeeded or Failed, and its sidecars are then stopped,
// the last one first. A stopping pod stops its containers first and its
// sidecars after them, the last one first, within one grace period.

// isInitialized reports whether every init container has let the pod's
// containers start (plain ones completed, sidecars started). Once true it
// stays true: a sidecar that exits later is restarted without holding the
// pod's containers back.
func (w *worker) isInitialized() bool {
	if w.initialized {
		return true
	}
	for _, c := range w.inits {
		if !c.initDone() {
			return false
		}
	}
	w.initialized = true
	return true
}

// syncSidecar moves sidecar c one step: it (re)starts it when due. It
// returns when to look again and whether the init containers after c (and
// so the pod's containers) must wait for c.
func (w *worker) syncSidecar(ctx context.Context, c *ctr, vols map[string]string, initialized bool, now time.Time) (time.Duration, bool) {
	switch {
	case c.running:
		return pollInterval, !initialized && !c.started
	case c.retired:
		return pollInterval, false
	case now.Before(c.nextStart):
		return c.nextStart.Sub(now), !initialized
	}
	w.start(ctx, c, vols)
	return pollInterval, !initialized
}

// retireSidecars stops the pod's sidecars for good once the pod is over,
// in the background, the last one first, each with the pod's grace
// period.
func (w *worker) retireSidecars() {
	var order []stopper
	for i := len(w.inits) - 1; i >= 0; i-- {
		c := w.inits[i]
		if !c.sidecar || c.retired {
			continue
		}
		c.retired = true
		c.stopProbes()
		c.ready = false
		if c.waiting != nil {
			// In back-off: it stays down, as it last ended.
			c.waiting = nil
		}
		if c.running {
			order = append(order, w.stopperOf(c))
		}
	}
	if len(order) == 0 {
		return
	}
	grace, nudge, key := w.gracePeriod(w.pod), w.nudge, w.key
	w.m.logger.Info("pod's containers are done; stopping its sidecars", "pod", key)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(len(order))*(grace+10*time.Second))
		defer cancel()
		for _, s := range order {
			if err := s.stop(ctx, grace); err != nil {
				w.m.logger.Warn("stop sidecar", "pod", key, "container", s.name, "err", err)
			}
		}
		nudge()
	}()
}

// stopAll stops and removes every container of the pod within grace:
// plain init containers and the pod's containers at once, then the
// sidecars, the last one first, each with what is left of grace (at least
// minGrace unless grace is 0). It returns the errors met.
func (w *worker) stopAll(ctx context.Context, grace time.Duration) []error {
	deadline := time.Now().Add(grace)
	var first []*ctr
	for _, c := range w.all() {
		if !c.sidecar {
			first = append(first, c)
		}
	}
	errc := make(chan error, len(first))
	for _, c := range first {
		s := w.stopperOf(c)
		go func() { errc <- w.stopAndRemove(ctx, s, grace) }()
	}
	var errs []error
	for range first {
		errs = append(errs, <-errc)
	}
	for i := len(w.inits) - 1; i >= 0; i-- {
		c := w.inits[i]
		if !c.sidecar {
			continue
		}
		left := max(time.Until(deadline), 0)
		if grace > 0 {
			left = max(left, minGrace)
		}
		errs = append(errs, w.stopAndRemove(ctx, w.stopperOf(c), left))
	}
	return errs
}

// stopAndRemove stops the container of s with grace and removes it.
func (w *worker) stopAndRemove(ctx context.Context, s stopper, grace time.Duration) error {
	if err := s.stop(ctx, grace); err != nil {
		return fmt.Errorf("stop %s: %w", s.name, err)
	}
	return w.m.rt.RemoveContainer(ctx, s.id)
}
