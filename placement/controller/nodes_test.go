package controller

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// podsOnNode lists names of the owner's pods bound to node.
func (h *harness) podsOnNode(owner api.Object, node string) []*api.Pod {
	return slices.DeleteFunc(h.podsOf(owner), func(p *api.Pod) bool { return p.Spec.NodeName != node })
}

func TestDeploymentNodeLoss(t *testing.T) {
	h := newHarness(t).withNodes(3)
	h.put(newDeployment("web", 6, "v1"))
	h.settle()
	lost := h.podsOnNode(h.deployment("web"), "n1")
	if len(lost) != 2 {
		t.Fatalf("got %d pods on n1, want 2", len(lost))
	}
	failedAt := h.now
	h.failNode("n1")

	t.Run("nothing before the grace", func(t *testing.T) {
		for _, at := range []time.Duration{0, time.Second, 4 * time.Second, 5*time.Second - time.Millisecond} {
			h.now = failedAt.Add(at)
			ch := h.step()
			pods := 0
			for _, o := range ch.Statuses {
				if o.GetTypeMeta().Kind == "Pod" {
					pods++
				}
			}
			if len(ch.Creates)+len(ch.Updates)+len(ch.Deletes)+pods != 0 {
				t.Errorf("after %s: got %d creates, %d updates, %d deletes, %d pod statuses, want only workload statuses",
					at, len(ch.Creates), len(ch.Updates), len(ch.Deletes), pods)
			}
		}
	})

	t.Run("marked Failed after the grace", func(t *testing.T) {
		h.now = failedAt.Add(5 * time.Second)
		ch := h.step()
		var failed []string
		for _, o := range ch.Statuses {
			if p, ok := o.(*api.Pod); ok {
				failed = append(failed, p.Name)
				if p.Status.Reason != ReasonNodeLost || !strings.Contains(p.Status.Message, "n1") {
					t.Errorf("%s: got reason %q message %q, want %s naming n1", p.Name, p.Status.Reason, p.Status.Message, ReasonNodeLost)
				}
				if c := podReadyCondition(p); c == nil || c.Status != api.ConditionFalse {
					t.Errorf("%s: got Ready %+v, want False", p.Name, c)
				}
			}
		}
		if !slices.Equal(failed, names(lost)) {
			t.Errorf("got Failed pods %v, want %v", failed, names(lost))
		}
		if len(ch.Creates) != 0 {
			t.Errorf("got %d creates in the same pass, want the replacements on the next pass", len(ch.Creates))
		}
	})

	t.Run("replaced on other nodes", func(t *testing.T) {
		h.settle()
		pods := h.activePods(h.deployment("web"))
		if len(pods) != 6 {
			t.Errorf("got %d pods, want 6", len(pods))
		}
		for _, p := range h.podsOf(h.deployment("web")) {
			if p.Spec.NodeName == "n1" {
				t.Errorf("%s still on lost node n1 (phase %s)", p.Name, p.Status.Phase)
			}
		}
	})

	t.Run("node comes back", func(t *testing.T) {
		before := names(h.activePods(h.deployment("web")))
		h.recoverNode("n1")
		h.settle()
		if got := names(h.activePods(h.deployment("web"))); !slices.Equal(got, before) {
			t.Errorf("got pods %v, want them untouched %v", got, before)
		}
	})
}

func TestDaemonSetNodeLoss(t *testing.T) {
	h := newHarness(t).withNodes(3)
	h.put(newDaemonSet("agent", "v1", nil))
	h.settle()
	old := h.podsOnNode(h.daemonSet("agent"), "n2")[0]
	h.failNode("n2")
	h.advance(5 * time.Second)
	h.settle()
	pods := h.podsOnNode(h.daemonSet("agent"), "n2")
	if len(pods) != 1 || pods[0].UID != old.UID || pods[0].Status.Phase != api.PodFailed {
		t.Fatalf("lost node: got %v, want the old pod, Failed", names(pods))
	}
	if got := h.podNodes(h.daemonSet("agent")); !slices.Equal(got, []string{"n1", "n3"}) {
		t.Errorf("lost node: got active pods on %v, want n1 n3 (no replacement elsewhere)", got)
	}
	h.recoverNode("n2")
	h.settle()
	pods = h.podsOnNode(h.daemonSet("agent"), "n2")
	if len(pods) != 1 || pods[0].UID == old.UID || pods[0].Status.Phase != api.PodRunning {
		t.Errorf("node back: got %v, want a new Running pod", names(pods))
	}
}

func TestNodeLeftCluster(t *testing.T) {
	h := newHarness(t).withNodes(3)
	h.put(newDeployment("web", 3, "v1"))
	h.put(newStatefulSet("db", 3, "v1", false))
	h.settle()
	h.del("Node", "", "n3")
	h.settle()
	for _, owner := range []api.Object{h.deployment("web"), h.statefulSet("db")} {
		pods := h.activePods(owner)
		if len(pods) != 3 {
			t.Errorf("%s: got %d pods, want 3", owner.GetObjectMeta().Name, len(pods))
		}
		for _, p := range h.podsOf(owner) {
			if p.Spec.NodeName == "n3" {
				t.Errorf("%s: still on n3, which left", p.Name)
			}
		}
	}
}
