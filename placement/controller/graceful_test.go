package controller

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/shoal-dev/shoal/api"
)

// splitTerminating returns the names of pods that are Terminating and of
// those that are not.
func splitTerminating(pods []*api.Pod) (terminating, others []string) {
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			terminating = append(terminating, p.Name)
		} else {
			others = append(others, p.Name)
		}
	}
	return terminating, others
}

func gracefulHarness(t *testing.T, nodes int) *harness {
	h := newHarness(t).withNodes(nodes)
	h.graceful = true
	return h
}

func TestGracefulScaleDownCountsOnlyLivePods(t *testing.T) {
	h := gracefulHarness(t, 3)
	h.put(newDeployment("web", 3, "v1"))
	h.settle()
	h.put(setReplicas(h.deployment("web"), 1))
	h.settle() // a fixpoint with pods still Terminating: nothing is deleted again
	d := h.deployment("web")
	term, live := splitTerminating(h.podsOf(d))
	if len(term) != 2 || len(live) != 1 {
		t.Fatalf("got Terminating %v and live %v, want 2 and 1", term, live)
	}
	if st := d.Status; st.Replicas != 1 || st.ReadyReplicas != 1 || st.AvailableReplicas != 1 {
		t.Errorf("got status replicas %d ready %d available %d, want 1 each (Terminating pods do not count)", st.Replicas, st.ReadyReplicas, st.AvailableReplicas)
	}
	if ch := h.reconcile(); !ch.Empty() {
		t.Errorf("got %d writes on another pass while pods terminate, want none", ch.Len())
	}
	h.advance(h.stopDelay)
	h.settle()
	if term, live := splitTerminating(h.podsOf(h.deployment("web"))); len(term) != 0 || len(live) != 1 {
		t.Errorf("got Terminating %v and live %v once the agents stopped them, want none and 1", term, live)
	}
}

func TestGracefulRolloutReplacesWhileOldTerminates(t *testing.T) {
	h := gracefulHarness(t, 2)
	h.put(withRolling(newDeployment("web", 2, "v1"), api.FromInt32(0), api.FromInt32(1)))
	h.settle()
	h.put(setImage(h.deployment("web"), "v2"))
	h.settle() // the clock stands still: no old pod has stopped yet
	var oldTerm, newLive []string
	for _, p := range h.podsOf(h.deployment("web")) {
		switch img := p.Spec.Containers[0].Image; {
		case img == "v1" && p.DeletionTimestamp != nil:
			oldTerm = append(oldTerm, p.Name)
		case img == "v2" && p.DeletionTimestamp == nil && h.available(p, 0):
			newLive = append(newLive, p.Name)
		default:
			t.Errorf("pod %s: image %s, Terminating %v", p.Name, img, p.DeletionTimestamp != nil)
		}
	}
	if len(oldTerm) != 2 || len(newLive) != 2 {
		t.Errorf("got old Terminating %v and new available %v, want 2 and 2: replacements run while old pods stop", oldTerm, newLive)
	}
}

func TestGracefulStatefulSetIdentityWaits(t *testing.T) {
	h := gracefulHarness(t, 3)
	h.put(newStatefulSet("db", 3, "v1", false))
	h.podEvents()

	h.del("Pod", "default", "db-1")
	if ev := h.podEvents(); len(ev) != 0 {
		t.Errorf("got pod events %v while db-1 terminates, want none (its name is taken)", ev)
	}
	if st := h.statefulSet("db").Status; st.Replicas != 2 || st.ReadyReplicas != 2 {
		t.Errorf("got status replicas %d ready %d, want 2 and 2 while db-1 terminates", st.Replicas, st.ReadyReplicas)
	}
	h.advance(h.stopDelay)
	if diff := cmp.Diff([][]string{{"+db-1"}}, h.podEvents()); diff != "" {
		t.Errorf("db-1 once the old one is gone (-want +got):\n%s", diff)
	}

	// OrderedReady scale-down: the next pod goes only once the last is gone.
	h.put(setReplicas(h.statefulSet("db"), 1))
	var got [][]string
	for range 3 {
		got = append(got, slices.Concat(h.podEvents()...))
		h.advance(h.stopDelay)
	}
	if diff := cmp.Diff([][]string{{"-db-2"}, {"-db-1"}, nil}, got); diff != "" {
		t.Errorf("scale down one at a time, each after the last is gone (-want +got):\n%s", diff)
	}
}

func TestGracefulDaemonSetWaitsForTheOldPod(t *testing.T) {
	h := gracefulHarness(t, 2)
	h.put(newDaemonSet("agent", "v1", nil))
	h.settle()
	h.put(setImage(h.daemonSet("agent"), "v2"))
	h.settle()
	ds := h.daemonSet("agent")
	term, live := splitTerminating(h.podsOf(ds))
	if len(term) != 1 || len(live) != 1 {
		t.Fatalf("got Terminating %v and others %v, want one old pod stopping and the other node's pod untouched (maxUnavailable 1)", term, live)
	}
	for range 2 {
		h.advance(h.stopDelay)
		h.settle()
	}
	for _, p := range h.podsOf(h.daemonSet("agent")) {
		if p.Spec.Containers[0].Image != "v2" || p.DeletionTimestamp != nil {
			t.Errorf("pod %s: got image %s Terminating %v, want v2 running", p.Name, p.Spec.Containers[0].Image, p.DeletionTimestamp != nil)
		}
	}
}

func TestTerminatingPodOnLostNode(t *testing.T) {
	tests := []struct {
		name     string
		stateful bool
		grace    int64
		// wantGone is how long after the delete the leader removes it.
		wantGone time.Duration
	}{
		{"deployment pod: after its grace period", false, 30, 30 * time.Second},
		{"deployment pod with short grace: after node grace", false, 1, DefaultNodeGrace},
		{"statefulset pod with short grace: after fencing", true, 1, DefaultFenceAfter + FenceMargin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := gracefulHarness(t, 1)
			var owner api.Object
			if tt.stateful {
				ss := newStatefulSet("db", 1, "v1", false)
				ss.Spec.Template.Spec.TerminationGracePeriodSeconds = &tt.grace
				owner = h.put(ss)
			} else {
				d := newDeployment("web", 1, "v1")
				d.Spec.Template.Spec.TerminationGracePeriodSeconds = &tt.grace
				owner = h.put(d)
			}
			h.settle()
			pod := h.podsOf(owner)[0]
			start := h.now
			h.failNode("n1")
			h.del("Pod", "default", pod.Name)
			for h.now.Before(start.Add(tt.wantGone)) {
				h.settle()
				if !slices.ContainsFunc(h.podsOf(owner), func(p *api.Pod) bool { return p.UID == pod.UID }) {
					t.Fatalf("at %s: got %s removed, want it kept until %s", h.now.Sub(start), pod.Name, tt.wantGone)
				}
				h.advance(time.Second)
			}
			h.settle()
			for _, p := range h.podsOf(owner) {
				if p.UID == pod.UID {
					t.Fatalf("at %s: got %s still stored, want it removed by the leader", h.now.Sub(start), pod.Name)
				}
			}
		})
	}
}

func TestDeleteOnLostNodeIsForced(t *testing.T) {
	h := gracefulHarness(t, 2)
	h.put(newDeployment("web", 2, "v1"))
	h.settle()
	h.failNode("n1")
	h.advance(DefaultNodeGrace)
	h.put(setReplicas(h.deployment("web"), 0))
	got := map[string]bool{}
	for _, d := range h.reconcile().Deletes {
		if pod, ok := h.get(d.Key).(*api.Pod); ok {
			got[pod.Spec.NodeName] = d.Force
		}
	}
	if want := map[string]bool{"n1": true, "n2": false}; !cmp.Equal(got, want) {
		t.Errorf("got force by node %v, want %v: only the lost node's pod is removed at once", got, want)
	}
}

func TestDeleteOnNodeWithoutRuntimeIsForced(t *testing.T) {
	h := gracefulHarness(t, 1)
	n := api.DeepCopy(h.node("n1"))
	n.Status.NodeInfo.ContainerRuntimeVersion = "" // --runtime none
	h.write(n, false)
	h.put(newDeployment("web", 1, "v1"))
	h.settle()
	h.put(setReplicas(h.deployment("web"), 0))
	ch := h.reconcile()
	if len(ch.Deletes) != 1 || !ch.Deletes[0].Force {
		t.Fatalf("got deletes %+v, want one forced: no agent there would stop the pod", ch.Deletes)
	}
}
