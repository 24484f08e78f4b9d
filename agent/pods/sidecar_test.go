package pods

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// withSidecars gives the pod sidecars (init containers with restartPolicy
// Always) named names, then a plain init container "setup".
func withSidecars(names ...string) func(*api.Pod) {
	return func(p *api.Pod) {
		for _, n := range names {
			p.Spec.InitContainers = append(p.Spec.InitContainers, api.Container{Name: n, Image: "envoy:1", RestartPolicy: ptrTo(api.ContainerRestartAlways)})
		}
		p.Spec.InitContainers = append(p.Spec.InitContainers, api.Container{Name: "setup", Image: "busybox:1"})
	}
}

// starts is how many times container name of pod uid started.
func (h *harness) starts(uid, name string) int {
	h.rt.mu.Lock()
	defer h.rt.mu.Unlock()
	return h.rt.starts[containerID(uid, name)]
}

func TestSidecarRunsNextToTheContainers(t *testing.T) {
	h := newHarness(t)
	h.addPod("web", withSidecars("proxy"))
	var uid string
	h.eventually("setup started while the sidecar runs", func() error {
		p := h.c.pod("web")
		uid = p.UID
		if h.starts(uid, "setup") != 1 {
			return fmt.Errorf("setup not started")
		}
		return nil
	})
	if _, ok := h.rt.running()[containerID(uid, "proxy")]; !ok {
		t.Fatal("got the sidecar not running while setup runs, want it running")
	}
	if n := h.starts(uid, "main"); n != 0 {
		t.Fatalf("got main started %d times before setup completed, want 0", n)
	}
	h.rt.exit(containerID(uid, "setup"), 0, false)
	p := h.waitStatus("web", func(p *api.Pod) error {
		if err := running(p); err != nil {
			return err
		}
		if !isReady(p) {
			return fmt.Errorf("not ready")
		}
		return nil
	})
	proxy := p.Status.InitContainerStatuses[0]
	if proxy.State.Running == nil || proxy.Started == nil || !*proxy.Started || !proxy.Ready {
		t.Errorf("got sidecar status %+v, want running, started and ready", proxy)
	}

	// It exits: restarted, and the pod's container is left alone.
	h.rt.exit(containerID(uid, "proxy"), 1, false)
	h.waitStatus("web", func(p *api.Pod) error {
		cs := p.Status.InitContainerStatuses[0]
		if cs.RestartCount != 1 || cs.State.Running == nil {
			return fmt.Errorf("sidecar status %+v, want restarted once and running", cs)
		}
		if !isReady(p) {
			return fmt.Errorf("not ready again")
		}
		return nil
	})
	if n := h.starts(uid, "main"); n != 1 {
		t.Errorf("got main started %d times, want 1 (a sidecar restart leaves it alone)", n)
	}
	if n := h.starts(uid, "setup"); n != 1 {
		t.Errorf("got setup started %d times, want 1 (the pod stays initialized)", n)
	}
}

func TestSidecarStartupProbeHoldsTheNextContainer(t *testing.T) {
	h := newHarness(t)
	var up atomic.Bool
	h.rt.execFn = func(context.Context, string, []string) int {
		if up.Load() {
			return 0
		}
		return 1
	}
	h.addPod("web", func(p *api.Pod) {
		withSidecars("proxy")(p)
		p.Spec.InitContainers[0].StartupProbe = &api.Probe{Exec: &api.ExecAction{Command: []string{"/ready"}}, PeriodSeconds: 1, FailureThreshold: 100}
	})
	var uid string
	h.eventually("startup probe running", func() error {
		uid = h.c.pod("web").UID
		if !slices.Contains(h.rt.callLog(), "exec "+containerID(uid, "proxy")+" /ready") {
			return fmt.Errorf("no probe yet")
		}
		return nil
	})
	time.Sleep(200 * time.Millisecond)
	if n := h.starts(uid, "setup"); n != 0 {
		t.Fatalf("got setup started %d times before the sidecar's startup probe passed, want 0", n)
	}
	up.Store(true)
	h.eventually("setup started once the sidecar started", func() error {
		if h.starts(uid, "setup") != 1 {
			return fmt.Errorf("setup not started")
		}
		return nil
	})
}

func TestJobPodWithSidecarCompletes(t *testing.T) {
	h := newHarness(t)
	h.addPod("job", func(p *api.Pod) {
		p.Spec.RestartPolicy = api.RestartNever
		withSidecars("proxy")(p)
	})
	var uid string
	h.eventually("setup started", func() error {
		uid = h.c.pod("job").UID
		if h.starts(uid, "setup") != 1 {
			return fmt.Errorf("setup not started")
		}
		return nil
	})
	h.rt.exit(containerID(uid, "setup"), 0, false)
	h.eventually("main started", func() error {
		if h.starts(uid, "main") != 1 {
			return fmt.Errorf("main not started")
		}
		return nil
	})
	h.rt.exit(containerID(uid, "main"), 0, false)
	p := h.waitStatus("job", func(p *api.Pod) error {
		if p.Status.Phase != api.PodSucceeded {
			return fmt.Errorf("phase %s, want Succeeded", p.Status.Phase)
		}
		if cs := p.Status.InitContainerStatuses[0]; cs.State.Terminated == nil {
			return fmt.Errorf("sidecar state %+v, want terminated", cs.State)
		}
		return nil
	})
	h.rt.mu.Lock()
	stops := len(h.rt.graces[containerID(uid, "proxy")])
	h.rt.mu.Unlock()
	if stops != 1 {
		t.Errorf("got %d stops of the sidecar, want 1", stops)
	}
	time.Sleep(100 * time.Millisecond)
	if n := h.starts(uid, "proxy"); n != 1 {
		t.Errorf("got the sidecar started %d times, want 1 (not restarted once the pod is over)", n)
	}
	if cs := p.Status.InitContainerStatuses[0]; cs.State.Waiting != nil {
		t.Errorf("got sidecar waiting %+v, want it stopped for good", cs.State.Waiting)
	}
}

func TestTerminateStopsSidecarsLastInReverse(t *testing.T) {
	h := newHarness(t)
	h.addPod("web", withSidecars("a", "b"))
	var uid string
	h.eventually("setup started", func() error {
		uid = h.c.pod("web").UID
		if h.starts(uid, "setup") != 1 {
			return fmt.Errorf("setup not started")
		}
		return nil
	})
	h.rt.exit(containerID(uid, "setup"), 0, false)
	h.waitStatus("web", running)
	h.terminate("web", nil)
	h.eventually("pod removed", func() error {
		if h.c.pod("web") != nil {
			return fmt.Errorf("still stored")
		}
		return nil
	})
	var stops []string
	for _, c := range h.rt.callLog() {
		switch c {
		case "stop " + containerID(uid, "main"):
			stops = append(stops, "main")
		case "stop " + containerID(uid, "a"):
			stops = append(stops, "a")
		case "stop " + containerID(uid, "b"):
			stops = append(stops, "b")
		}
	}
	if want := []string{"main", "b", "a"}; !slices.Equal(stops, want) {
		t.Errorf("got stops %v, want %v (the pod's containers, then the sidecars last first)", stops, want)
	}
}
