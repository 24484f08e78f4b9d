package probe

import (
	"errors"
	"fmt"
	"time"
)

// Backoff paces the restarts of a crashing container, as kubelet's
// crash-loop back-off does.
//
// The delay before restart number n (n >= 1) is Initial*2^(n-1), capped at
// Max. When the container's last run lasted at least ResetAfter the count
// starts over and the delay is Initial again.
type Backoff struct {
	// Initial is the delay before the first restart; 0 restarts at once,
	// always.
	Initial time.Duration
	// Max caps the delay; it must be at least Initial.
	Max time.Duration
	// ResetAfter is how long a run must last for the back-off to start
	// over; 0 never resets it.
	ResetAfter time.Duration
}

// DefaultBackoff is kubelet's: 10s doubling up to 5m, reset after a run of
// 10m.
func DefaultBackoff() Backoff {
	return Backoff{Initial: 10 * time.Second, Max: 5 * time.Minute, ResetAfter: 10 * time.Minute}
}

// Validate reports negative durations and a Max below Initial.
func (b Backoff) Validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"initial", b.Initial}, {"max", b.Max}, {"reset after", b.ResetAfter}} {
		if f.d < 0 {
			errs = append(errs, fmt.Errorf("back-off %s must not be negative, got %s", f.name, f.d))
		}
	}
	if b.Max < b.Initial {
		errs = append(errs, fmt.Errorf("back-off max %s is below initial %s", b.Max, b.Initial))
	}
	return errors.Join(errs...)
}

// Delay is how long to wait before restart number restartCount (1 for the
// first restart) of a container whose last run lasted lastRunDuration.
// restartCount 0 or less is the first start: no delay. A Max below Initial
// is treated as Initial.
func (b Backoff) Delay(restartCount int32, lastRunDuration time.Duration) time.Duration {
	if restartCount <= 0 || b.Initial <= 0 {
		return 0
	}
	if b.ResetAfter > 0 && lastRunDuration >= b.ResetAfter {
		restartCount = 1
	}
	limit := max(b.Max, b.Initial)
	d := b.Initial
	for range restartCount - 1 {
		if d >= limit/2 {
			return limit
		}
		d *= 2
	}
	return min(d, limit)
}
