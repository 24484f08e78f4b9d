package pods

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

func TestTerminatingPodIsStoppedThenRemoved(t *testing.T) {
	h := newHarness(t)
	h.addPod("web", func(p *api.Pod) { p.Spec.TerminationGracePeriodSeconds = ptrTo(int64(20)) })
	p := h.waitStatus("web", running)
	id := containerID(p.UID, "main")
	gate := make(chan struct{})
	h.rt.mu.Lock()
	h.rt.stopGate = gate
	h.rt.mu.Unlock()

	h.terminate("web", nil)
	h.eventually("SIGTERM sent", func() error {
		h.rt.mu.Lock()
		defer h.rt.mu.Unlock()
		if len(h.rt.graces[id]) == 0 {
			return fmt.Errorf("no stop yet")
		}
		return nil
	})
	// While its containers stop, the pod stays, Terminating.
	time.Sleep(100 * time.Millisecond)
	if got := h.c.pod("web"); got == nil || got.UID != p.UID || got.DeletionTimestamp == nil {
		t.Fatalf("got pod %v while it stops, want it stored and Terminating", got)
	}
	close(gate)
	h.eventually("pod removed from the cluster", func() error {
		if got := h.c.pod("web"); got != nil {
			return fmt.Errorf("pod still stored (deletionTimestamp %v)", got.DeletionTimestamp)
		}
		return nil
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.early) > 0 {
		t.Errorf("got pods removed before they were cleaned up: %v", h.early)
	}
	if want := []string{"web/" + p.UID}; !slices.Equal(h.removed, want) {
		t.Errorf("got removals %v, want %v", h.removed, want)
	}
	h.rt.mu.Lock()
	defer h.rt.mu.Unlock()
	if g := h.rt.graces[id]; len(g) != 1 || g[0] <= 10*time.Second || g[0] > 20*time.Second {
		t.Errorf("got stop graces %v, want one of at most 20s (what is left of the pod's grace)", g)
	}
	if n := h.rt.starts[id]; n != 1 {
		t.Errorf("got %d starts, want 1", n)
	}
}

func TestTerminatingPodIsNotRestarted(t *testing.T) {
	h := newHarness(t)
	h.addPod("web", nil) // restartPolicy Always
	p := h.waitStatus("web", running)
	id := containerID(p.UID, "main")
	gate := make(chan struct{})
	h.rt.mu.Lock()
	h.rt.stopGate = gate
	h.rt.mu.Unlock()
	h.terminate("web", nil)
	h.eventually("stop under way", func() error {
		h.rt.mu.Lock()
		defer h.rt.mu.Unlock()
		if len(h.rt.graces[id]) == 0 {
			return fmt.Errorf("no stop yet")
		}
		return nil
	})
	h.rt.exit(id, 1, false) // it crashes while stopping
	time.Sleep(300 * time.Millisecond)
	close(gate)
	h.eventually("pod removed", func() error {
		if h.c.pod("web") != nil {
			return fmt.Errorf("still stored")
		}
		return nil
	})
	h.rt.mu.Lock()
	defer h.rt.mu.Unlock()
	if n := h.rt.starts[id]; n != 1 {
		t.Errorf("got %d starts of a Terminating pod's container, want 1 (never restarted)", n)
	}
}

func TestTerminatingPodFinishedAfterAgentRestart(t *testing.T) {
	h := newHarness(t)
	h.addPod("web", nil)
	p := h.waitStatus("web", running)
	h.stop() // the agent goes down; the container keeps running
	h.terminate("web", ptrTo(int64(7)))
	h.start()
	h.eventually("pod stopped and removed by the restarted agent", func() error {
		if h.c.pod("web") != nil {
			return fmt.Errorf("still stored")
		}
		if len(h.rt.running()) != 0 {
			return fmt.Errorf("containers still running: %v", h.rt.running())
		}
		if _, ok := h.net.Lookup(p.UID); ok {
			return fmt.Errorf("sandbox still there")
		}
		return nil
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.early) > 0 {
		t.Errorf("got pods removed before they were cleaned up: %v", h.early)
	}
	h.rt.mu.Lock()
	defer h.rt.mu.Unlock()
	id := containerID(p.UID, "main")
	if n := h.rt.starts[id]; n != 1 {
		t.Errorf("got %d starts, want 1 (the restarted agent never starts a Terminating pod)", n)
	}
	if g := h.rt.graces[id]; len(g) != 1 || g[0] > 7*time.Second {
		t.Errorf("got stop graces %v, want one of at most 7s", g)
	}
}

func TestNodeRemovalNeverHitsANewPod(t *testing.T) {
	h := newHarness(t)
	h.addPod("db-0", nil)
	old := h.waitStatus("db-0", running)
	gate := make(chan struct{})
	h.rt.mu.Lock()
	h.rt.stopGate = gate
	h.rt.mu.Unlock()
	h.terminate("db-0", nil)
	// Someone forces the old pod out and a new db-0 is created meanwhile.
	h.c.del(t, api.Key{Kind: "Pod", Namespace: "default", Name: "db-0"})
	h.addPod("db-0", nil)
	fresh := h.c.pod("db-0")
	close(gate)
	h.waitStatus("db-0", func(p *api.Pod) error {
		if p.UID != fresh.UID {
			return fmt.Errorf("got uid %s, want the new %s", p.UID, fresh.UID)
		}
		return running(p)
	})
	time.Sleep(200 * time.Millisecond)
	if got := h.c.pod("db-0"); got == nil || got.UID != fresh.UID || got.DeletionTimestamp != nil {
		t.Fatalf("got %v, want the new db-0 (uid %s, old %s) untouched", got, fresh.UID, old.UID)
	}
}

func TestRemainingGrace(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	pod := func(deadline time.Duration, grace int64) *api.Pod {
		ts := now.Add(deadline)
		return &api.Pod{ObjectMeta: api.ObjectMeta{DeletionTimestamp: &ts, DeletionGracePeriodSeconds: &grace}}
	}
	tests := []struct {
		name string
		pod  *api.Pod
		want time.Duration
	}{
		{"just marked", pod(30*time.Second, 30), 30 * time.Second},
		{"half gone", pod(12*time.Second, 30), 12 * time.Second},
		{"deadline passed: at least minGrace", pod(-5*time.Second, 30), minGrace},
		{"deadline far ahead (clock skew): at most the grace", pod(time.Hour, 30), 30 * time.Second},
		{"grace below minGrace", pod(-time.Second, 1), time.Second},
		{"no deletion fields: default", &api.Pod{}, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := remainingGrace(tt.pod, now); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func ptrTo[T any](v T) *T { return &v }
