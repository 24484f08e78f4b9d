package probe

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

func TestRunHandler(t *testing.T) {
	_, port := newProbeServer(t, false)
	closed := closedPort(t)
	tests := []struct {
		name    string
		hook    *api.LifecycleHandler
		exec    *fakeExec
		wantErr string // "" means success
	}{
		{"exec exits 0", &api.LifecycleHandler{Exec: &api.ExecAction{Command: []string{"true"}}}, newFakeExec(t, 0), ""},
		{"exec exits 3", &api.LifecycleHandler{Exec: &api.ExecAction{Command: []string{"false"}}}, newFakeExec(t, 3), `exec ["false"]: command exited 3`},
		{"exec cannot run", &api.LifecycleHandler{Exec: &api.ExecAction{Command: []string{"x"}}}, newFakeExec(t, -1), "runtime unavailable"},
		{"httpGet 200", &api.LifecycleHandler{HTTPGet: &api.HTTPGetAction{Path: "/ok", Port: api.FromInt32(port)}}, nil, ""},
		{"httpGet 500 is still an answer", &api.LifecycleHandler{HTTPGet: &api.HTTPGetAction{Path: "/error", Port: api.FromInt32(port)}}, nil, ""},
		{"httpGet refused", &api.LifecycleHandler{HTTPGet: &api.HTTPGetAction{Port: api.FromInt32(closed)}}, nil, "connection refused"},
		{"httpGet unknown port name", &api.LifecycleHandler{HTTPGet: &api.HTTPGetAction{Port: api.FromString("admin")}}, nil, `no container port named "admin"`},
		{"sleep 0", &api.LifecycleHandler{Sleep: &api.SleepAction{}}, nil, ""},
		{"no action", &api.LifecycleHandler{}, nil, "hook has no action (exec, httpGet or sleep)"},
		{"no hook", nil, nil, "no hook"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := Target{PodIP: "127.0.0.1", ContainerID: "c1"}
			if tt.exec != nil {
				target.Exec = tt.exec
			}
			err := RunHandler(t.Context(), tt.hook, target, nil)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("got %v, want success", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestRunHandlerSleepWaitsOnTheClock(t *testing.T) {
	clock := newFakeClock()
	done := make(chan error, 1)
	go func() {
		done <- RunHandler(t.Context(), &api.LifecycleHandler{Sleep: &api.SleepAction{Seconds: 5}}, Target{}, clock)
	}()
	waitFor(t, "the sleep to start", func() bool { return clock.pending() == 1 })
	clock.Advance(4 * time.Second)
	select {
	case err := <-done:
		t.Fatalf("got %v after 4s of a 5s sleep, want it still sleeping", err)
	default:
	}
	clock.Advance(time.Second)
	if err := <-done; err != nil {
		t.Errorf("got %v after 5s, want success", err)
	}
}

func TestRunHandlerEndsWithItsContext(t *testing.T) {
	tests := []struct {
		name    string
		hook    *api.LifecycleHandler
		wantErr string
	}{
		{"sleep", &api.LifecycleHandler{Sleep: &api.SleepAction{Seconds: 30}}, "sleep 30s: interrupted"},
		{"exec that hangs", &api.LifecycleHandler{Exec: &api.ExecAction{Command: []string{"sleep", "inf"}}}, "did not finish in time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := newFakeExec(t, 0)
			ex.block = true
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- RunHandler(ctx, tt.hook, Target{Exec: ex}, newFakeClock()) }()
			cancel()
			if err := <-done; err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
