package probe

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shoal-dev/shoal/api"
)

// harness runs a Worker with a fake clock and an exec probe answering from
// a script, and steps it one probe at a time.
type harness struct {
	t       *testing.T
	clock   *fakeClock
	exec    *fakeExec
	out     chan Update
	done    chan error
	cancel  context.CancelFunc
	stopped bool
}

const period = 10 * time.Second

// startWorker starts the worker; a container that started startedAgo
// before the worker (0: unset) sets Target.StartedAt.
func startWorker(t *testing.T, kind Kind, p api.Probe, startedAgo time.Duration, script ...int) *harness {
	t.Helper()
	h := &harness{t: t, clock: newFakeClock(), exec: newFakeExec(t, script...), out: make(chan Update, 64), done: make(chan error, 1)}
	p.Exec = &api.ExecAction{Command: []string{"check"}}
	p.PeriodSeconds = int32(period / time.Second)
	target := Target{ContainerID: "c1", Exec: h.exec}
	if startedAgo != 0 {
		target.StartedAt = h.clock.Now().Add(-startedAgo)
	}
	ctx, cancel := context.WithCancel(t.Context())
	h.cancel = cancel
	w := NewWorker(kind, &p, target, h.clock, h.out)
	go func() { h.done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		h.wait()
	})
	return h
}

// idle waits until the worker sleeps on the clock or has returned.
func (h *harness) idle() {
	h.t.Helper()
	waitFor(h.t, "worker to sleep", func() bool {
		if h.stopped {
			return true
		}
		select {
		case err := <-h.done:
			if err != nil {
				h.t.Errorf("run: got %v, want nil", err)
			}
			h.stopped = true
			return true
		default:
		}
		return h.clock.pending() > 0
	})
}

// advance moves the clock by d once the worker sleeps, waits for it to
// sleep again and returns the updates it sent.
func (h *harness) advance(d time.Duration) []Update {
	h.t.Helper()
	h.idle()
	h.clock.Advance(d)
	h.idle()
	var got []Update
	for {
		select {
		case u := <-h.out:
			got = append(got, u)
		default:
			return got
		}
	}
}

// wait waits for Run to return.
func (h *harness) wait() {
	h.t.Helper()
	if h.stopped {
		return
	}
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("run: got %v, want nil", err)
		}
		h.stopped = true
	case <-time.After(10 * time.Second):
		h.t.Fatal("run did not return")
	}
}

func TestWorkerThresholds(t *testing.T) {
	const fail, errExec = 1, -1
	tests := []struct {
		name   string
		kind   Kind
		probe  api.Probe
		script []int
		// want is the results sent after each probe ("" for none).
		want     []string
		wantStop bool
	}{
		{
			name:  "liveness needs failureThreshold failures in a row",
			kind:  Liveness,
			probe: api.Probe{FailureThreshold: 3},
			script: []int{
				0, fail, fail, 0, fail, fail, fail,
			},
			want:     []string{"success", "", "", "", "", "", "failure"},
			wantStop: true,
		},
		{
			name:     "liveness first failure determination",
			kind:     Liveness,
			probe:    api.Probe{FailureThreshold: 2},
			script:   []int{fail, fail},
			want:     []string{"", "failure"},
			wantStop: true,
		},
		{
			name:   "readiness needs successThreshold successes in a row",
			kind:   Readiness,
			probe:  api.Probe{SuccessThreshold: 2, FailureThreshold: 2},
			script: []int{0, fail, 0, 0, fail, fail, 0, 0, 0},
			want:   []string{"", "", "", "success", "", "failure", "", "success", ""},
		},
		{
			name:   "readiness sends its first failure once",
			kind:   Readiness,
			probe:  api.Probe{FailureThreshold: 3},
			script: []int{fail, fail, fail, fail, fail},
			want:   []string{"", "", "failure", "", ""},
		},
		{
			name:   "only changes are sent",
			kind:   Readiness,
			probe:  api.Probe{},
			script: []int{0, 0, fail, fail, fail, fail, 0, 0},
			want:   []string{"success", "", "", "", "failure", "", "success", ""},
		},
		{
			name:   "exec errors neither count nor break a run",
			kind:   Readiness,
			probe:  api.Probe{FailureThreshold: 2},
			script: []int{fail, errExec, errExec, fail},
			want:   []string{"", "", "", "failure"},
		},
		{
			name:     "startup stops once it succeeds",
			kind:     Startup,
			probe:    api.Probe{FailureThreshold: 30},
			script:   []int{fail, fail, 0},
			want:     []string{"", "", "success"},
			wantStop: true,
		},
		{
			name:     "startup stops once it fails",
			kind:     Startup,
			probe:    api.Probe{FailureThreshold: 2},
			script:   []int{fail, fail},
			want:     []string{"", "failure"},
			wantStop: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startWorker(t, tt.kind, tt.probe, 0, tt.script...)
			var got []string
			for i := range tt.script {
				step := period
				if i == 0 {
					step = 0 // the first probe runs at once
				}
				updates := h.advance(step)
				if len(updates) > 1 {
					t.Fatalf("got %d updates after one probe, want at most 1: %v", len(updates), updates)
				}
				s := ""
				if len(updates) == 1 {
					s = updates[0].Result.String()
				}
				got = append(got, s)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("updates per probe (-want +got):\n%s", diff)
			}
			if h.stopped != tt.wantStop {
				t.Errorf("stopped: got %v, want %v", h.stopped, tt.wantStop)
			}
			if calls := h.exec.callCount(); calls != len(tt.script) {
				t.Errorf("probes: got %d, want %d", calls, len(tt.script))
			}
		})
	}
}

func TestWorkerUpdateFields(t *testing.T) {
	h := startWorker(t, Liveness, api.Probe{FailureThreshold: 1, InitialDelaySeconds: 1}, 0, 1)
	h.idle()
	h.exec.output = "unhealthy\n" // before the first probe: it waits for the clock
	got := h.advance(time.Second)
	want := []Update{{Kind: Liveness, ContainerID: "c1", Result: Failure, Message: "command exited 1: unhealthy"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("updates (-want +got):\n%s", diff)
	}
}

func TestWorkerInitialDelay(t *testing.T) {
	tests := []struct {
		name      string
		delay     int32
		startedAt time.Duration // before the worker starts; 0 is unset
		before    time.Duration // no probe yet after this long
		after     time.Duration // one probe after this much more
	}{
		{name: "no delay probes at once", delay: 0, before: 0, after: 0},
		{name: "delay from run", delay: 5, before: 4999 * time.Millisecond, after: time.Millisecond},
		{name: "delay counts from container start", delay: 5, startedAt: 3 * time.Second, before: 1999 * time.Millisecond, after: time.Millisecond},
		{name: "delay already over", delay: 5, startedAt: time.Minute, before: 0, after: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startWorker(t, Readiness, api.Probe{InitialDelaySeconds: tt.delay}, tt.startedAt, 0)
			h.idle()
			if tt.before > 0 {
				h.advance(tt.before)
				if calls := h.exec.callCount(); calls != 0 {
					t.Fatalf("probes after %s: got %d, want 0", tt.before, calls)
				}
			}
			h.advance(tt.after)
			if calls := h.exec.callCount(); calls != 1 {
				t.Fatalf("probes after %s: got %d, want 1", tt.before+tt.after, calls)
			}
			h.advance(period - time.Millisecond)
			if calls := h.exec.callCount(); calls != 1 {
				t.Fatalf("probes just before the period: got %d, want 1", calls)
			}
			h.advance(time.Millisecond)
			if calls := h.exec.callCount(); calls != 2 {
				t.Fatalf("probes after the period: got %d, want 2", calls)
			}
		})
	}
}

func TestWorkerCancelStops(t *testing.T) {
	h := startWorker(t, Readiness, api.Probe{InitialDelaySeconds: 60}, 0, 0)
	h.idle()
	h.cancel()
	h.wait()
	if calls := h.exec.callCount(); calls != 0 {
		t.Errorf("probes: got %d, want 0", calls)
	}
}

func TestWorkerCancelDuringCheck(t *testing.T) {
	clock := newFakeClock()
	hung := newFakeExec(t)
	hung.block = true
	p := api.Probe{Exec: &api.ExecAction{Command: []string{"check"}}, TimeoutSeconds: 60}
	w := NewWorker(Liveness, &p, Target{Exec: hung}, clock, make(chan Update, 1))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	waitFor(t, "the probe to start", func() bool { return hung.callCount() == 1 })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: got %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

func TestWorkerCancelWhileSending(t *testing.T) {
	clock := newFakeClock()
	out := make(chan Update) // nobody reads
	p := api.Probe{Exec: &api.ExecAction{Command: []string{"check"}}}
	w := NewWorker(Readiness, &p, Target{Exec: newFakeExec(t, 0)}, clock, out)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	time.Sleep(10 * time.Millisecond) // let it block on out
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: got %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

func TestWorkerHungCheckBoundedByTimeout(t *testing.T) {
	clock := newFakeClock()
	out := make(chan Update, 1)
	hung := newFakeExec(t)
	hung.block = true
	p := api.Probe{Exec: &api.ExecAction{Command: []string{"check"}}, TimeoutSeconds: 1, FailureThreshold: 1}
	w := NewWorker(Readiness, &p, Target{ContainerID: "c1", Exec: hung}, clock, out)
	go func() { _ = w.Run(t.Context()) }()
	start := time.Now()
	select {
	case u := <-out:
		want := Update{Kind: Readiness, ContainerID: "c1", Result: Failure, Message: "command timed out after 1s"}
		if diff := cmp.Diff(want, u); diff != "" {
			t.Errorf("update (-want +got):\n%s", diff)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("hung probe took %s, want about 1s", took)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no update from a hung probe")
	}
}

func TestWorkerRejectsBadArguments(t *testing.T) {
	p := &api.Probe{Exec: &api.ExecAction{Command: []string{"true"}}}
	out := make(chan Update)
	tests := []struct {
		name    string
		w       *Worker
		wantErr string
	}{
		{"unknown kind", NewWorker("sideways", p, Target{}, nil, out), `unknown probe kind "sideways"`},
		{"no probe", NewWorker(Liveness, nil, Target{}, nil, out), "no probe"},
		{"no channel", NewWorker(Liveness, p, Target{}, nil, nil), "no update channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.w.Run(t.Context())
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("got %v, want %s", err, tt.wantErr)
			}
		})
	}
}

func TestNewWorkerDefaultsToRealClock(t *testing.T) {
	w := NewWorker(Liveness, &api.Probe{}, Target{}, nil, nil)
	if w.clock != RealClock {
		t.Errorf("clock: got %v, want RealClock", w.clock)
	}
	if d := time.Since(RealClock.Now()); d < 0 || d > time.Minute {
		t.Errorf("real clock is %s off", d)
	}
	select {
	case <-RealClock.After(time.Millisecond):
	case <-time.After(10 * time.Second):
		t.Fatal("real clock never fired")
	}
}
