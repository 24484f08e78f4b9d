package main

import (
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

var t0 = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)

func waiting(reason string) api.ContainerState {
	return api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: reason}}
}

func running() api.ContainerState {
	return api.ContainerState{Running: &api.ContainerStateRunning{StartedAt: &t0}}
}

func terminated(code int32, reason string) api.ContainerState {
	return api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: code, Reason: reason}}
}

// testPod is a pod with the given number of init and main containers and
// the given statuses.
func testPod(inits, ctrs int, phase api.PodPhase, initSt, st []api.ContainerState) *api.Pod {
	p := &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: api.ObjectMeta{Name: "web"}}
	for range inits {
		p.Spec.InitContainers = append(p.Spec.InitContainers, api.Container{Name: "init"})
	}
	for range ctrs {
		p.Spec.Containers = append(p.Spec.Containers, api.Container{Name: "c"})
	}
	p.Status.Phase = phase
	for _, s := range initSt {
		p.Status.InitContainerStatuses = append(p.Status.InitContainerStatuses, api.ContainerStatus{State: s})
	}
	for _, s := range st {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, api.ContainerStatus{State: s, Ready: s.Running != nil})
	}
	return p
}

// withSidecar makes p's first init container a sidecar, started and
// ready while it runs.
func withSidecar(p *api.Pod) *api.Pod {
	always := api.ContainerRestartAlways
	p.Spec.InitContainers[0].Name, p.Spec.InitContainers[0].RestartPolicy = "proxy", &always
	cs := &p.Status.InitContainerStatuses[0]
	started := cs.State.Running != nil
	cs.Name, cs.Started, cs.Ready = "proxy", &started, started
	return p
}

func TestPodStatus(t *testing.T) {
	s := func(states ...api.ContainerState) []api.ContainerState { return states }
	deleted := testPod(0, 1, api.PodRunning, nil, s(running()))
	deleted.DeletionTimestamp = &t0
	evicted := testPod(0, 1, api.PodFailed, nil, s(terminated(137, "")))
	evicted.Status.Reason = "Evicted"
	completedNextToRunning := testPod(0, 2, api.PodRunning, nil, s(terminated(0, "Completed"), running()))
	completedNextToRunning.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue}}
	tests := []struct {
		name string
		pod  *api.Pod
		want string
	}{
		{"not yet placed", testPod(0, 1, "", nil, nil), "Pending"},
		{"unscheduled pending", testPod(0, 1, api.PodPending, nil, nil), "Pending"},
		{"creating", testPod(0, 1, api.PodPending, nil, s(waiting("ContainerCreating"))), "ContainerCreating"},
		{"running", testPod(0, 1, api.PodRunning, nil, s(running())), "Running"},
		{"crash loop", testPod(0, 1, api.PodRunning, nil, s(waiting("CrashLoopBackOff"))), "CrashLoopBackOff"},
		{"image pull error", testPod(0, 1, api.PodPending, nil, s(waiting("ErrImagePull"))), "ErrImagePull"},
		{"image pull back-off", testPod(0, 1, api.PodPending, nil, s(waiting("ImagePullBackOff"))), "ImagePullBackOff"},
		{"config error", testPod(0, 1, api.PodPending, nil, s(waiting("CreateContainerConfigError"))), "CreateContainerConfigError"},
		{"oom killed", testPod(0, 1, api.PodFailed, nil, s(terminated(137, "OOMKilled"))), "OOMKilled"},
		{"completed", testPod(0, 1, api.PodSucceeded, nil, s(terminated(0, "Completed"))), "Completed"},
		{"error", testPod(0, 1, api.PodFailed, nil, s(terminated(1, "Error"))), "Error"},
		{"exit code without reason", testPod(0, 1, api.PodFailed, nil, s(terminated(3, ""))), "ExitCode:3"},
		{"signal without reason", testPod(0, 1, api.PodFailed, nil, s(terminated(143, ""))), "Signal:15"},
		{"last waiting container wins", testPod(0, 2, api.PodRunning, nil, s(waiting("CrashLoopBackOff"), running())), "CrashLoopBackOff"},
		{"completed next to a running container, ready", completedNextToRunning, "Running"},
		{"completed next to a running container, not ready", testPod(0, 2, api.PodRunning, nil, s(terminated(0, "Completed"), running())), "NotReady"},
		{"first init container running", testPod(2, 1, api.PodPending, s(running(), waiting("")), s(waiting("PodInitializing"))), "Init:0/2"},
		{"second init container creating", testPod(2, 1, api.PodPending, s(terminated(0, "Completed"), waiting("ContainerCreating")), s(waiting("PodInitializing"))), "Init:1/2"},
		{"init container failed", testPod(1, 1, api.PodPending, s(terminated(1, "Error")), s(waiting("PodInitializing"))), "Init:Error"},
		{"init container crash loop", testPod(1, 1, api.PodPending, s(waiting("CrashLoopBackOff")), s(waiting("PodInitializing"))), "Init:CrashLoopBackOff"},
		{"init done, main creating", testPod(1, 1, api.PodPending, s(terminated(0, "Completed")), s(waiting("ContainerCreating"))), "ContainerCreating"},
		{"init done, main initializing", testPod(1, 1, api.PodPending, s(terminated(0, "Completed")), s(waiting("PodInitializing"))), "PodInitializing"},
		{"pod reason", evicted, "Evicted"},
		{"a running sidecar next to the main container", withSidecar(testPod(1, 1, api.PodRunning, s(running()), s(running()))), "Running"},
		{"a sidecar not started yet", withSidecar(testPod(1, 1, api.PodPending, s(waiting("ContainerCreating")), nil)), "Init:0/1"},
		{"deleted", deleted, "Terminating"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := podStatus(tt.pod); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPodReadyAndRestarts(t *testing.T) {
	ended := t0.Add(-45 * time.Second)
	restarted := testPod(0, 2, api.PodRunning, nil, []api.ContainerState{running(), waiting("CrashLoopBackOff")})
	restarted.Status.ContainerStatuses[0].RestartCount = 1
	restarted.Status.ContainerStatuses[1].RestartCount = 2
	restarted.Status.ContainerStatuses[1].LastState.Terminated = &api.ContainerStateTerminated{ExitCode: 1, FinishedAt: &ended}
	tests := []struct {
		name                    string
		pod                     *api.Pod
		wantReady, wantRestarts string
	}{
		{"no statuses", testPod(0, 2, api.PodPending, nil, nil), "0/2", "0"},
		{"one of two ready, restarts with age", restarted, "1/2", "3 (45s ago)"},
		{"all ready", testPod(0, 2, api.PodRunning, nil, []api.ContainerState{running(), running()}), "2/2", "0"},
		{"a ready sidecar counts", withSidecar(testPod(1, 1, api.PodRunning, []api.ContainerState{running()}, []api.ContainerState{running()})), "2/2", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := podReady(tt.pod); got != tt.wantReady {
				t.Errorf("READY: got %q, want %q", got, tt.wantReady)
			}
			if got := podRestarts(tt.pod, t0); got != tt.wantRestarts {
				t.Errorf("RESTARTS: got %q, want %q", got, tt.wantRestarts)
			}
		})
	}
}

func TestPodTableColumns(t *testing.T) {
	kind, _ := api.LookupKind("pods")
	p := testPod(0, 1, api.PodRunning, nil, []api.ContainerState{running()})
	p.Namespace, p.Spec.NodeName, p.Status.PodIP = "prod", "n1", "10.42.0.5"
	tests := []struct {
		name         string
		wide, withNS bool
		want         string
	}{
		{"default", false, false, "NAME READY STATUS RESTARTS AGE|web 1/1 Running 0 <unknown>"},
		{"wide", true, false, "NAME READY STATUS RESTARTS AGE IP NODE|web 1/1 Running 0 <unknown> 10.42.0.5 n1"},
		{"all namespaces", false, true, "NAMESPACE NAME READY STATUS RESTARTS AGE|prod web 1/1 Running 0 <unknown>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := printTable(&b, kind, []api.Object{p}, tt.wide, tt.withNS); err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
				lines = append(lines, strings.Join(strings.Fields(l), " "))
			}
			if got := strings.Join(lines, "|"); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
