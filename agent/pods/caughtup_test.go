package pods

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/view"
)

// staleView is the replica of a restarted agent: the snapshot it started
// from until caught is set, the cluster's state after.
type staleView struct {
	fresh, stale View
	caught       atomic.Bool
}

func (v *staleView) cur() View {
	if v.caught.Load() {
		return v.fresh
	}
	return v.stale
}

func (v *staleView) Get(kind, ns, name string) (api.Object, bool) {
	return v.cur().Get(kind, ns, name)
}

func (v *staleView) List(kind, ns string, sel map[string]string) []api.Object {
	return v.cur().List(kind, ns, sel)
}

func (v *staleView) Watch(ctx context.Context, kinds ...string) <-chan view.Event {
	return v.cur().Watch(ctx, kinds...)
}

func (v *staleView) Index() uint64 { return v.cur().Index() }

// containerOf is the ID of pod name's container in the fake runtime.
func (h *harness) containerOf(name string) string {
	h.t.Helper()
	uid := h.c.pod(name).UID
	list, err := h.rt.ListContainers(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	for _, c := range list {
		if c.Labels[LabelPodUID] == uid {
			return c.ID
		}
	}
	h.t.Fatalf("no container for pod %s", name)
	return ""
}

// TestManagerWaitsForCaughtUpReplica restarts the manager on a stale
// replica (the snapshot an agent restarts from): it still holds pod "old",
// deleted since, whose container has exited, and lacks pod "new", created
// since and running here. Acting on it would restart "old" and garbage-
// collect "new"; the manager must do neither until the replica has caught
// up, then remove "old" and keep "new".
func TestManagerWaitsForCaughtUpReplica(t *testing.T) {
	h := newHarness(t)
	h.addPod("old", nil)
	h.addPod("new", nil)
	h.waitStatus("old", running)
	h.waitStatus("new", running)
	oldID, newID := h.containerOf("old"), h.containerOf("new")
	newUID := h.c.pod("new").UID
	h.stop()

	// The stale snapshot: everything but "new".
	stale := map[string]api.Object{}
	for _, o := range h.c.store.List("Pod", "", nil) {
		if k := api.KeyOf(o); k.Name != "new" {
			stale["Pod/"+k.Namespace+"/"+k.Name] = o
		}
	}
	// Behind the agent's back: "old" is deleted and its container exits.
	h.c.del(t, api.Key{Kind: "Pod", Namespace: "default", Name: "old"})
	h.rt.exit(oldID, 1, false)

	sv := &staleView{fresh: h.c.store, stale: viewOf(stale)}
	entered, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	h.view = sv
	h.caughtUp = func(ctx context.Context) bool {
		if calls.Add(1) == 1 {
			close(entered)
		}
		select {
		case <-release:
			return true
		case <-ctx.Done():
			return false
		}
	}
	h.start()
	<-entered
	// Several GC intervals pass: an ungated manager would have restarted
	// "old" and removed "new" by now.
	time.Sleep(5 * 100 * time.Millisecond)
	h.rt.mu.Lock()
	n := h.rt.starts[oldID]
	h.rt.mu.Unlock()
	if n != 1 {
		t.Fatalf("deleted pod's container started %d times before the replica caught up, want 1", n)
	}
	if _, ok := h.rt.running()[newID]; !ok {
		t.Fatalf("new pod's container %s not running before the replica caught up; want it left alone", newID)
	}
	if _, ok := h.net.Lookup(newUID); !ok {
		t.Fatalf("new pod's sandbox torn down before the replica caught up")
	}

	sv.caught.Store(true)
	close(release)
	h.eventually("deleted pod's container collected", func() error {
		if _, err := h.rt.ContainerStatus(context.Background(), oldID); err == nil {
			return fmt.Errorf("container %s still there", oldID)
		}
		return nil
	})
	h.waitStatus("new", running)
	h.rt.mu.Lock()
	oldStarts, newStarts := h.rt.starts[oldID], h.rt.starts[newID]
	h.rt.mu.Unlock()
	if oldStarts != 1 || newStarts != 1 {
		t.Fatalf("starts: old %d, new %d; want 1 each (nothing restarted)", oldStarts, newStarts)
	}
	if _, ok := h.rt.running()[newID]; !ok {
		t.Fatalf("new pod's container %s not running after catching up", newID)
	}
}
