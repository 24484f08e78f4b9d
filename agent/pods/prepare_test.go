package pods

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// TestTasksPreparedWhileSandboxSetsUp checks that, when the network can
// make the namespace first, a pod's task is created while CNI runs and
// its start uses it, and that the /etc/hosts it bound (the inode, as a
// bind mount holds it) names the pod's IP by then; and that a network
// that cannot prepare the namespace falls back to creating the task at
// start.
func TestTasksPreparedWhileSandboxSetsUp(t *testing.T) {
	for _, tt := range []struct {
		name       string
		prepareErr error
		reused     int
	}{
		{name: "prepared", reused: 1},
		{name: "namespace not prepared", prepareErr: errors.New("no netns"), reused: 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarnessIn(t, t.TempDir())
			h.net.mu.Lock()
			h.net.prepareErr = tt.prepareErr
			h.net.mu.Unlock()
			sawPrepared := make(chan bool, 1)
			h.net.setupHook = func(uid string) error {
				id := containerID(uid, "main")
				prepared := func() bool {
					h.rt.mu.Lock()
					defer h.rt.mu.Unlock()
					_, ok := h.rt.prepared[id]
					return ok
				}
				if tt.reused == 0 {
					time.Sleep(100 * time.Millisecond) // time enough to prepare one
					sawPrepared <- prepared()
					return nil
				}
				sawPrepared <- waitFor(prepared)
				return nil
			}
			h.addPod("web", nil)
			if got := <-sawPrepared; got != (tt.reused > 0) {
				t.Errorf("task prepared during sandbox setup: %v, want %v", got, tt.reused > 0)
			}
			p := h.waitStatus("web", running)
			id := containerID(p.UID, "main")
			h.rt.mu.Lock()
			defer h.rt.mu.Unlock()
			if h.rt.starts[id] != 1 || h.rt.reused[id] != tt.reused {
				t.Errorf("starts %d, of a prepared task %d; want 1 and %d", h.rt.starts[id], h.rt.reused[id], tt.reused)
			}
			bound := h.rt.preparedHosts[id]
			if tt.reused == 0 {
				return
			}
			if bound == nil {
				t.Fatal("prepared task bound no /etc/hosts")
			}
			if _, err := bound.Seek(0, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			hosts, err := io.ReadAll(bound)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(hosts), p.Status.PodIP+"\t") {
				t.Errorf("/etc/hosts the task bound does not name the pod's IP %s:\n%s", p.Status.PodIP, hosts)
			}
		})
	}
}

// TestPreparedTaskRemovedWhenSandboxFails checks that a task created
// while the sandbox was being set up goes with its container when the
// setup fails, and that the retry starts the pod.
func TestPreparedTaskRemovedWhenSandboxFails(t *testing.T) {
	h := newHarness(t)
	calls := 0
	h.net.setupHook = func(uid string) error {
		id := containerID(uid, "main")
		if calls++; calls == 1 {
			waitFor(func() bool {
				h.rt.mu.Lock()
				defer h.rt.mu.Unlock()
				_, ok := h.rt.prepared[id]
				return ok
			})
			return errors.New("no IP left")
		}
		h.rt.mu.Lock()
		defer h.rt.mu.Unlock()
		if h.rt.removes[id] != 1 {
			t.Errorf("after the failed setup: container (and its task) removed %d times, want once", h.rt.removes[id])
		}
		return nil
	}
	h.addPod("web", nil)
	p := h.waitStatus("web", running)
	if p.Status.Phase != api.PodRunning || calls < 2 {
		t.Errorf("phase %s after %d setups, want Running after a retry", p.Status.Phase, calls)
	}
	id := containerID(p.UID, "main")
	h.rt.mu.Lock()
	defer h.rt.mu.Unlock()
	if h.rt.starts[id] != 1 || h.rt.reused[id] != 1 {
		t.Errorf("starts %d, of a prepared task %d; want the retry's prepared task started once", h.rt.starts[id], h.rt.reused[id])
	}
}
