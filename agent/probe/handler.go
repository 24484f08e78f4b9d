package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// RunHandler runs a container's lifecycle hook (postStart or preStop)
// against t and returns nil when it succeeded, or an error saying why not,
// for the FailedPostStartHook and FailedPreStopHook events. The hook runs
// until it finishes or ctx ends; the caller bounds it (a preStop hook by
// the pod's grace period). As in kubelet:
//
//   - exec fails unless the command exits 0;
//   - httpGet fails only when no answer comes: any HTTP status is an
//     answer, so it succeeds;
//   - sleep waits Seconds on clock (nil is RealClock) and fails only when
//     ctx ends first.
func RunHandler(ctx context.Context, h *api.LifecycleHandler, t Target, clock Clock) error {
	if clock == nil {
		clock = RealClock
	}
	switch {
	case h == nil:
		return errors.New("no hook")
	case h.Exec != nil:
		return runExecHook(ctx, h.Exec, t)
	case h.HTTPGet != nil:
		return runHTTPHook(ctx, h.HTTPGet, t)
	case h.Sleep != nil:
		return runSleepHook(ctx, h.Sleep, clock)
	}
	return errors.New("hook has no action (exec, httpGet or sleep)")
}

func runExecHook(ctx context.Context, a *api.ExecAction, t Target) error {
	// checkExec's timeout only words its message: here the limit, if
	// any, is ctx's deadline.
	var limit time.Duration
	if d, ok := ctx.Deadline(); ok {
		limit = time.Until(d).Round(time.Second)
	}
	res, msg := checkExec(ctx, a, t, limit)
	if res == Success {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("exec %q: did not finish in time", a.Command)
	}
	return fmt.Errorf("exec %q: %s", a.Command, msg)
}

func runHTTPHook(ctx context.Context, a *api.HTTPGetAction, t Target) error {
	req, client, err := newProbeRequest(ctx, a, t)
	if err != nil {
		return fmt.Errorf("http hook: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("http hook: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	// Reading the body lets the server finish its response.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	return nil
}

func runSleepHook(ctx context.Context, a *api.SleepAction, clock Clock) error {
	if a.Seconds <= 0 {
		return nil
	}
	d := time.Duration(a.Seconds) * time.Second
	select {
	case <-clock.After(d):
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sleep %s: interrupted: %w", d, ctx.Err())
	}
}
