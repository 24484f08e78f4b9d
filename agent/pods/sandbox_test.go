package pods

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/api"
)

// created reports whether container id exists and whether it runs.
func (f *fakeRuntime) created(id string) (exists, running bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.ctrs[id]
	return ok, ok && c.State == runtime.StateRunning
}

// waitFor polls cond for up to 5 s.
func waitFor(cond func() bool) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return false
}

// TestContainersCreatedWhileSandboxSetsUp checks that a pod's containers
// are created while its sandbox is being set up, start only once it is
// up, in its network namespace, with /etc/hosts naming the pod's IP.
func TestContainersCreatedWhileSandboxSetsUp(t *testing.T) {
	dir := t.TempDir()
	h := newHarnessIn(t, dir)
	sawCreated := make(chan bool, 1)
	h.net.setupHook = func(uid string) error {
		id := containerID(uid, "main")
		sawCreated <- waitFor(func() bool { ok, _ := h.rt.created(id); return ok })
		if _, run := h.rt.created(id); run {
			return errors.New("container running before its sandbox is up")
		}
		return nil
	}
	h.addPod("web", nil)
	if !<-sawCreated {
		t.Fatal("container not created while the sandbox was being set up")
	}
	p := h.waitStatus("web", running)
	cfg := h.rt.configs[containerID(p.UID, "main")]
	if want := h.net.NetNSPath(p.UID); cfg.NetNSPath != want {
		t.Errorf("container in netns %q, want the sandbox's %q", cfg.NetNSPath, want)
	}
	hosts, err := os.ReadFile(filepath.Join(podDir(dir, p.UID), "etc", "hosts"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(hosts), p.Status.PodIP+"\t") {
		t.Errorf("/etc/hosts does not name the pod's IP %s:\n%s", p.Status.PodIP, hosts)
	}
	if n := h.rt.starts[containerID(p.UID, "main")]; n != 1 {
		t.Errorf("container started %d times, want 1", n)
	}
}

// TestFailedSandboxRemovesEarlyContainer checks that a container created
// while the sandbox was being set up is removed when the setup fails, and
// that the retry makes and starts the pod as usual.
func TestFailedSandboxRemovesEarlyContainer(t *testing.T) {
	h := newHarness(t)
	calls := 0
	h.net.setupHook = func(uid string) error {
		id := containerID(uid, "main")
		if calls++; calls == 1 {
			waitFor(func() bool { ok, _ := h.rt.created(id); return ok })
			return errors.New("no IP left")
		}
		h.rt.mu.Lock()
		defer h.rt.mu.Unlock()
		if h.rt.removes[id] != 1 {
			return fmt.Errorf("container removed %d times after the failed setup, want 1", h.rt.removes[id])
		}
		return nil
	}
	h.addPod("web", nil)
	p := h.waitStatus("web", running)
	id := containerID(p.UID, "main")
	if n := h.rt.starts[id]; n != 1 {
		t.Errorf("container started %d times, want 1", n)
	}
	if calls < 2 {
		t.Errorf("sandbox set up %d times, want a retry", calls)
	}
}

// TestNoEarlyCreateForInitOrPodIPEnv checks that a pod with an init
// container creates nothing before its sandbox is up (init containers run
// first, one by one), nor a pod whose containers need its IP in their
// environment, and that they get it.
func TestNoEarlyCreateForInitOrPodIPEnv(t *testing.T) {
	for _, tt := range []struct {
		name   string
		mutate func(*api.Pod)
	}{
		{"init container", func(p *api.Pod) {
			p.Spec.InitContainers = []api.Container{{Name: "init", Image: "busybox:1"}}
		}},
		{"pod IP in env", func(p *api.Pod) {
			p.Spec.Containers[0].Env = []api.EnvVar{{Name: "IP", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "status.podIP"}}}}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			early := make(chan int, 1)
			h.net.setupHook = func(uid string) error {
				time.Sleep(100 * time.Millisecond) // time enough for an early create
				n := 0
				for _, name := range []string{"init", "main"} {
					if ok, _ := h.rt.created(containerID(uid, name)); ok {
						n++
					}
				}
				early <- n
				return nil
			}
			h.addPod("web", tt.mutate)
			if n := <-early; n != 0 {
				t.Errorf("%d containers created before the sandbox was up, want none", n)
			}
			p := h.waitStatus("web", func(p *api.Pod) error {
				if len(p.Status.InitContainerStatuses)+len(p.Status.ContainerStatuses) == 0 || p.Status.PodIP == "" {
					return errors.New("no container status yet")
				}
				for _, cs := range append(p.Status.InitContainerStatuses, p.Status.ContainerStatuses...) {
					if cs.State.Running != nil {
						return nil
					}
				}
				return errors.New("nothing running")
			})
			if env := h.rt.configs[containerID(p.UID, "main")].Env; tt.name == "pod IP in env" && !strings.Contains(strings.Join(env, " "), "IP="+p.Status.PodIP) {
				t.Errorf("env %v, want IP=%s", env, p.Status.PodIP)
			}
		})
	}
}
