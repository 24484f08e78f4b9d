package pods

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/agent/probe"
	"github.com/shoal-dev/shoal/api"
)

// fakeEvents is an EventSink that keeps what it is given.
type fakeEvents struct {
	mu     sync.Mutex
	events []*api.Event
}

func (f *fakeEvents) PutEvents(_ context.Context, events []*api.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, events...)
	return nil
}

func (f *fakeEvents) DeleteEvents(context.Context, []api.Key) error { return nil }

// find returns the message of the first event with reason, or "" and false.
func (f *fakeEvents) find(reason string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range f.events {
		if e.Reason == reason {
			return e.Message, true
		}
	}
	return "", false
}

// newHookHarness is a harness whose manager records events.
func newHookHarness(t *testing.T) (*harness, *fakeEvents) {
	h := newHarness(t)
	ev := &fakeEvents{}
	h.stop()
	h.events = ev
	h.start()
	return h, ev
}

// withHooks gives the pod's container the hooks.
func withHooks(post, pre *api.LifecycleHandler) func(*api.Pod) {
	return func(p *api.Pod) {
		p.Spec.Containers[0].Lifecycle = &api.Lifecycle{PostStart: post, PreStop: pre}
	}
}

func execHook(args ...string) *api.LifecycleHandler {
	return &api.LifecycleHandler{Exec: &api.ExecAction{Command: args}}
}

func TestPreStopRunsBeforeSIGTERMOnDeletion(t *testing.T) {
	h, ev := newHookHarness(t)
	h.addPod("web", func(p *api.Pod) {
		p.Spec.TerminationGracePeriodSeconds = ptrTo(int64(20))
		withHooks(nil, execHook("/drain"))(p)
	})
	p := h.waitStatus("web", running)
	id := containerID(p.UID, "main")
	release := make(chan struct{})
	h.rt.mu.Lock()
	h.rt.execFn = func(ctx context.Context, _ string, args []string) int {
		if args[0] == "/drain" {
			<-release
		}
		return 0
	}
	h.rt.mu.Unlock()

	h.terminate("web", nil)
	h.eventually("preStop hook running", func() error {
		if !slices.Contains(h.rt.callLog(), "exec "+id+" /drain") {
			return fmt.Errorf("calls %v", h.rt.callLog())
		}
		return nil
	})
	// The hook holds off SIGTERM and the pod's removal.
	time.Sleep(100 * time.Millisecond)
	if got := h.rt.callLog(); slices.Contains(got, "stop "+id) {
		t.Fatalf("got calls %v while the preStop hook runs, want no stop yet", got)
	}
	if h.c.pod("web") == nil {
		t.Fatal("got the pod removed while its preStop hook runs, want it kept")
	}
	close(release)
	h.eventually("pod removed", func() error {
		if h.c.pod("web") != nil {
			return fmt.Errorf("still stored")
		}
		return nil
	})
	if got, want := h.rt.callLog(), []string{"exec " + id + " /drain", "stop " + id}; !slices.Equal(got, want) {
		t.Errorf("got calls %v, want %v", got, want)
	}
	h.rt.mu.Lock()
	g := h.rt.graces[id]
	h.rt.mu.Unlock()
	if len(g) != 1 || g[0] > 20*time.Second || g[0] < minGrace {
		t.Errorf("got stop graces %v, want one between %s and 20s (what the hook left)", g, minGrace)
	}
	if msg, ok := ev.find(reasonFailedPreStopHook); ok {
		t.Errorf("got event %s %q, want none for a hook that succeeded", reasonFailedPreStopHook, msg)
	}
}

// stopperFor returns a stopper of a one-container pod with preStop pre,
// and a fake runtime where that container runs.
func stopperFor(t *testing.T, pre *api.LifecycleHandler) (stopper, *fakeRuntime, *fakeEvents) {
	t.Helper()
	rt, ev := newFakeRuntime(), &fakeEvents{}
	if err := rt.CreateContainer(t.Context(), fakeConfig("c1", "u1")); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.StartContainer(t.Context(), "c1", ""); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := &Manager{rt: rt, logger: logger, events: newRecorder(ev, "n1", logger)}
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default", UID: "u1"}}
	return stopper{m: m, pod: pod, name: "main", id: "c1", preStop: pre, target: probe.Target{ContainerID: "c1", Exec: execer{rt}}}, rt, ev
}

func TestStopperGrace(t *testing.T) {
	hang := func(ctx context.Context, _ string, _ []string) int { <-ctx.Done(); return 0 }
	tests := []struct {
		name       string
		pre        *api.LifecycleHandler
		exec       func(context.Context, string, []string) int
		notRunning bool
		grace      time.Duration
		wantCalls  []string
		// wantGrace is the stop's grace; 0 means at most grace.
		wantGrace time.Duration
		wantEvent string
	}{
		{name: "no hook: stop with the grace", grace: 5 * time.Second, wantCalls: []string{"stop c1"}, wantGrace: 5 * time.Second},
		{name: "hook first, then what is left", pre: execHook("/drain"), grace: 5 * time.Second, wantCalls: []string{"exec c1 /drain", "stop c1"}},
		{name: "hook out of time: cut at the grace, then minGrace", pre: execHook("/hang"), exec: hang, grace: 500 * time.Millisecond,
			wantCalls: []string{"exec c1 /hang", "stop c1"}, wantGrace: minGrace, wantEvent: "did not finish within the grace period"},
		{name: "failing hook: an event, then stop", pre: execHook("/drain"), exec: func(context.Context, string, []string) int { return 7 }, grace: 5 * time.Second,
			wantCalls: []string{"exec c1 /drain", "stop c1"}, wantEvent: "PreStopHook failed: exec [\"/drain\"]: command exited 7"},
		{name: "grace 0: no hook", pre: execHook("/drain"), grace: 0, wantCalls: []string{"stop c1"}, wantGrace: -1},
		{name: "not running: no hook", pre: execHook("/drain"), notRunning: true, grace: 5 * time.Second, wantCalls: []string{"stop c1"}, wantGrace: 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, rt, _ := stopperFor(t, tt.pre)
			rt.execFn = tt.exec
			if tt.notRunning {
				rt.exit("c1", 0, false)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			go func() { _ = s.m.events.Run(ctx) }()
			if err := s.stop(t.Context(), tt.grace); err != nil {
				t.Fatal(err)
			}
			if got := rt.callLog(); !slices.Equal(got, tt.wantCalls) {
				t.Errorf("got calls %v, want %v", got, tt.wantCalls)
			}
			g := rt.graces["c1"]
			switch {
			case len(g) != 1:
				t.Errorf("got stop graces %v, want one", g)
			case tt.wantGrace == -1 && g[0] != 0:
				t.Errorf("got grace %s, want 0", g[0])
			case tt.wantGrace > 0 && g[0] != tt.wantGrace:
				t.Errorf("got grace %s, want %s", g[0], tt.wantGrace)
			case tt.wantGrace == 0 && (g[0] > tt.grace || g[0] < minGrace):
				t.Errorf("got grace %s, want between %s and %s", g[0], minGrace, tt.grace)
			}
			if tt.wantEvent == "" {
				return
			}
			var msg string
			s.m.events.mu.Lock()
			for _, e := range s.m.events.known {
				if e.Reason == reasonFailedPreStopHook {
					msg = e.Message
				}
			}
			s.m.events.mu.Unlock()
			if !strings.Contains(msg, tt.wantEvent) {
				t.Errorf("got %s event %q, want one containing %q", reasonFailedPreStopHook, msg, tt.wantEvent)
			}
		})
	}
}

func TestPostStartHoldsRunningAndReady(t *testing.T) {
	h, _ := newHookHarness(t)
	release := make(chan struct{})
	h.rt.execFn = func(context.Context, string, []string) int { <-release; return 0 }
	h.addPod("web", func(p *api.Pod) {
		withHooks(execHook("/warm"), nil)(p)
		p.Spec.Containers = append(p.Spec.Containers, api.Container{Name: "second", Image: "busybox:1"})
	})
	h.eventually("postStart hook running", func() error {
		if len(h.rt.callLog()) == 0 {
			return fmt.Errorf("no exec yet")
		}
		return nil
	})
	time.Sleep(100 * time.Millisecond)
	p := h.c.pod("web")
	for _, cs := range p.Status.ContainerStatuses {
		if cs.State.Running != nil || cs.Ready {
			t.Errorf("got container %s running %v ready %v while the postStart hook runs, want neither", cs.Name, cs.State.Running != nil, cs.Ready)
		}
	}
	if n := h.rt.starts[containerID(p.UID, "second")]; n != 0 {
		t.Errorf("got the next container started %d times during the postStart hook, want 0", n)
	}
	close(release)
	h.waitStatus("web", func(p *api.Pod) error {
		if err := running(p); err != nil {
			return err
		}
		for _, cs := range p.Status.ContainerStatuses {
			if cs.State.Running == nil || !cs.Ready {
				return fmt.Errorf("container %s: %+v", cs.Name, cs.State)
			}
		}
		return nil
	})
}

func TestPostStartFailureKillsAndRestarts(t *testing.T) {
	tests := []struct {
		name         string
		policy       api.RestartPolicy
		wantRestarts bool
	}{
		{"restartPolicy Always restarts it", api.RestartAlways, true},
		{"restartPolicy Never leaves it failed", api.RestartNever, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ev := newHookHarness(t)
			h.rt.execFn = func(context.Context, string, []string) int { return 2 }
			h.addPod("web", func(p *api.Pod) {
				p.Spec.RestartPolicy = tt.policy
				withHooks(execHook("/warm"), nil)(p)
			})
			h.eventually("FailedPostStartHook event", func() error {
				msg, ok := ev.find(reasonFailedPostStartHook)
				if !ok || !strings.Contains(msg, "command exited 2") {
					return fmt.Errorf("got %q (%v), want a message naming exit 2", msg, ok)
				}
				return nil
			})
			p := h.waitStatus("web", func(p *api.Pod) error {
				if len(p.Status.ContainerStatuses) == 0 {
					return fmt.Errorf("no container status yet")
				}
				cs := p.Status.ContainerStatuses[0]
				if tt.wantRestarts && cs.RestartCount < 1 {
					return fmt.Errorf("restarts %d, want at least 1", cs.RestartCount)
				}
				if !tt.wantRestarts && p.Status.Phase != api.PodFailed {
					return fmt.Errorf("phase %s, want Failed", p.Status.Phase)
				}
				return nil
			})
			for _, cs := range p.Status.ContainerStatuses {
				if cs.Ready {
					t.Errorf("got container %s ready, want not ready (its postStart hook always fails)", cs.Name)
				}
			}
		})
	}
}
