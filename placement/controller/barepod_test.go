package controller

import (
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// newBarePod is a defaulted Pod no controller owns, Pending and unbound,
// as a user's apply stores it.
func newBarePod(name string) *api.Pod {
	p := &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       api.PodSpec{Containers: []api.Container{{Name: "main", Image: "v1"}}},
		Status:     api.PodStatus{Phase: api.PodPending},
	}
	api.Default(p)
	return p
}

// TestBarePods checks that the controllers leave pods no controller owns
// alone: they are neither collected as orphans nor recreated once
// deleted, and on a lost node they are marked Failed but not replaced.
func TestBarePods(t *testing.T) {
	h := newHarness(t).withNodes(2)
	h.put(newBarePod("solo"))
	h.put(newBarePod("gone"))
	h.put(newDeployment("web", 2, "v1"))
	h.settle()
	key := func(name string) api.Key { return api.Key{Kind: "Pod", Namespace: "default", Name: name} }
	solo, ok := h.get(key("solo")).(*api.Pod)
	if !ok || solo.Spec.NodeName == "" || solo.Status.Phase != api.PodRunning {
		t.Fatalf("got %+v, want solo bound and Running", h.get(key("solo")))
	}

	t.Run("not recreated when deleted", func(t *testing.T) {
		h.del("Pod", "default", "gone")
		h.settle()
		if o := h.get(key("gone")); o != nil {
			t.Errorf("got %s back, want it gone", key("gone"))
		}
		pods := 0
		for _, k := range h.keys() {
			if k.Kind == "Pod" {
				pods++
			}
		}
		if pods != 3 {
			t.Errorf("got %d pods, want 3 (solo and web's two)", pods)
		}
	})

	t.Run("marked Failed on a lost node, not replaced", func(t *testing.T) {
		node := solo.Spec.NodeName
		h.failNode(node)
		h.advance(5 * time.Second)
		h.settle()
		p, ok := h.get(key("solo")).(*api.Pod)
		if !ok {
			t.Fatalf("solo is gone, want it kept")
		}
		if p.UID != solo.UID || p.Status.Phase != api.PodFailed || p.Status.Reason != ReasonNodeLost {
			t.Errorf("got uid %s phase %s reason %q, want the same pod (%s) Failed %s", p.UID, p.Status.Phase, p.Status.Reason, solo.UID, ReasonNodeLost)
		}
		if p.Spec.NodeName != node {
			t.Errorf("got node %q, want it still bound to %s", p.Spec.NodeName, node)
		}
	})
}
