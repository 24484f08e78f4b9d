package pods

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// reportDelay is the least time between two status writes: changes
// arriving meanwhile join the next write.
const reportDelay = 25 * time.Millisecond

// reporter batches pod status writes: the latest status per pod. The
// first change after a quiet spell is written at once (a pod that just
// started is Running in the cluster without waiting); changes during the
// reportDelay after a write are gathered into the next one, so 50 pods
// starting at once cost a few Raft entries, not 50.
type reporter struct {
	sink   StatusSink
	logger *slog.Logger

	clock   clock
	mu      sync.Mutex
	pending map[string]*api.Pod // by uid
	kick    chan struct{}
}

// clock is the time source of the reporter (a fake one in tests).
type clock struct {
	now   func() time.Time
	after func(time.Duration) <-chan time.Time
}

var realClock = clock{now: time.Now, after: time.After}

func newReporter(sink StatusSink, logger *slog.Logger) *reporter {
	return &reporter{sink: sink, logger: logger, clock: realClock, pending: map[string]*api.Pod{}, kick: make(chan struct{}, 1)}
}

// set queues p's status, replacing any queued one of the same pod.
func (r *reporter) set(p *api.Pod) {
	r.mu.Lock()
	r.pending[p.UID] = p
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Run flushes queued statuses until ctx ends.
func (r *reporter) Run(ctx context.Context) error {
	return gatherAfter(ctx, r.clock, r.kick, r.flushPending)
}

// flushPending writes every queued status.
func (r *reporter) flushPending(ctx context.Context) {
	r.mu.Lock()
	batch := make([]*api.Pod, 0, len(r.pending))
	for _, p := range r.pending {
		batch = append(batch, p)
	}
	clear(r.pending)
	r.mu.Unlock()
	r.flush(ctx, batch)
}

// gatherAfter calls flush on each kick, at once when the previous flush
// ended reportDelay ago or earlier, else once reportDelay has passed
// since it ended (kicks meanwhile join that flush), until ctx ends.
func gatherAfter(ctx context.Context, c clock, kick <-chan struct{}, flush func(context.Context)) error {
	var last time.Time // end of the previous flush
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-kick:
		}
		if wait := reportDelay - c.now().Sub(last); wait > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-c.after(wait):
			}
		}
		flush(ctx)
		last = c.now()
	}
}

// gather calls flush reportDelay after each kick (kicks meanwhile join
// the same flush) until ctx ends.
func gather(ctx context.Context, kick <-chan struct{}, flush func()) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-kick:
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(reportDelay):
		}
		flush()
	}
}

// flush writes batch; when the batch fails (one pod was deleted
// meanwhile, say) it writes the pods one by one and drops the ones that
// fail: their workers report again on their next pass if still needed.
func (r *reporter) flush(ctx context.Context, batch []*api.Pod) {
	if len(batch) == 0 {
		return
	}
	t0 := time.Now()
	err := r.sink(ctx, batch)
	r.logger.Debug("pod statuses written", "pods", len(batch), "ms", ms(time.Since(t0)), "err", err)
	if err == nil || len(batch) == 1 {
		if err != nil {
			r.logger.Debug("pod status write failed", "pod", batch[0].Namespace+"/"+batch[0].Name, "err", err)
		}
		return
	}
	for _, p := range batch {
		if err := r.sink(ctx, []*api.Pod{p}); err != nil {
			r.logger.Debug("pod status write failed", "pod", p.Namespace+"/"+p.Name, "err", err)
		}
	}
}
