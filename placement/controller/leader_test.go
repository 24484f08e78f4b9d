package controller

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shoal-dev/shoal/api"
)

// startRollout makes a cluster with one of each workload, settled at v1,
// then switches them all to v2 and runs a few passes.
func startRollout(t *testing.T) *harness {
	h := newHarness(t).withNodes(4)
	h.put(newDeployment("web", 12, "v1"))
	h.put(newStatefulSet("db", 3, "v1", true))
	h.put(newDaemonSet("agent", "v1", nil))
	h.settle()
	h.put(setImage(h.deployment("web"), "v2"))
	h.put(setImage(h.statefulSet("db"), "v2"))
	h.put(setImage(h.daemonSet("agent"), "v2"))
	for range 3 {
		h.step()
		h.schedule()
		h.agents()
	}
	return h
}

func checkRolledOut(t *testing.T, h *harness) {
	t.Helper()
	for _, owner := range []api.Object{h.deployment("web"), h.statefulSet("db"), h.daemonSet("agent")} {
		pods := h.activePods(owner)
		if got := images(pods); len(got) == 0 || !slices.Equal(got, slices.Repeat([]string{"v2"}, len(got))) {
			t.Errorf("%s: got images %v, want all v2", owner.GetObjectMeta().Name, got)
		}
	}
	if n := len(h.activePods(h.deployment("web"))); n != 12 {
		t.Errorf("web: got %d pods, want 12", n)
	}
}

func TestLeaderChangeMidRollout(t *testing.T) {
	for _, stop := range []int{0, 1, 2, 5} {
		t.Run("old leader committed "+itoa(stop)+" batches of its last pass", func(t *testing.T) {
			h := startRollout(t)
			ch := h.reconcile()
			if ch.Len() <= stop {
				t.Fatalf("got a pass of %d writes, want more than %d to interrupt", ch.Len(), stop)
			}
			h.commit(ch, stop)
			// The new leader has only the committed objects: Reconcile
			// keeps nothing, so there is nothing else to hand over.
			next := h.restart()
			next.settle()
			checkRolledOut(t, next)
			if next.rejected != 0 {
				t.Errorf("got %d rejected batches, want 0", next.rejected)
			}
		})
	}

	t.Run("in-flight pass of the old leader lands after the new leader's", func(t *testing.T) {
		h := startRollout(t)
		ch := h.reconcile()
		again := h.reconcile()
		h.commit(ch, -1) // the new leader's pass
		before := h.rejected
		h.commit(again, -1) // the old leader's identical pass, late
		if got, want := h.rejected-before, ch.Len(); got != want {
			t.Errorf("got %d of %d late writes rejected, want all", got, want)
		}
		h.settle()
		checkRolledOut(t, h)
	})
}

// TestUncommittedDeletesAreDecidedAgain: the old leader committed a
// ReplicaSet's lower replicas but not the deletes; meanwhile the
// Deployment grew. The pod must not go: availability is judged again.
func TestUncommittedDeletesAreDecidedAgain(t *testing.T) {
	h := newHarness(t).withNodes(2)
	h.put(withRolling(newDeployment("web", 1, "v1"), api.FromInt32(1), api.FromInt32(1)))
	h.settle()
	h.put(setImage(h.deployment("web"), "v2"))
	ch := h.reconcile()
	if len(ch.Updates) != 1 || len(ch.Deletes) != 1 {
		t.Fatalf("got %d updates and %d deletes, want the old ReplicaSet scaled to 0 and its pod deleted", len(ch.Updates), len(ch.Deletes))
	}
	h.commit(ch, 2) // the new ReplicaSet and the old one's replicas
	next := h.restart()
	next.put(setReplicas(next.deployment("web"), 4))
	ch = next.step()
	if len(ch.Deletes) != 0 {
		t.Errorf("got deletes %v, want none: the only available pod must stay", ch.Deletes)
	}
	next.settle()
	checkImages(t, next, "v2", 4)
}

func checkImages(t *testing.T, h *harness, image string, n int) {
	t.Helper()
	if got := images(h.activePods(h.deployment("web"))); !slices.Equal(got, slices.Repeat([]string{image}, n)) {
		t.Errorf("got images %v, want %d x %s", got, n, image)
	}
}

func TestReconcileIsDeterministic(t *testing.T) {
	h := startRollout(t)
	h.failNode("n2")
	h.advance(11e9)
	st := h.state()
	want := encodeChanges(t, Reconcile(st, h.cfg))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 5 {
		shuffled := *st
		shuffled.Nodes = shuffle(rng, st.Nodes)
		shuffled.Deployments = shuffle(rng, st.Deployments)
		shuffled.ReplicaSets = shuffle(rng, st.ReplicaSets)
		shuffled.StatefulSets = shuffle(rng, st.StatefulSets)
		shuffled.DaemonSets = shuffle(rng, st.DaemonSets)
		shuffled.Pods = shuffle(rng, st.Pods)
		if diff := cmp.Diff(want, encodeChanges(t, Reconcile(&shuffled, h.cfg))); diff != "" {
			t.Fatalf("shuffle %d: changes differ (-first +shuffled):\n%s", i, diff)
		}
	}
}

func shuffle[T any](rng *rand.Rand, s []T) []T {
	out := slices.Clone(s)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func encodeChanges(t *testing.T, ch Changes) string {
	t.Helper()
	b, err := json.MarshalIndent(ch, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fatal is what recorder.Fatalf panics with.
type fatal string

// recorder is a tb whose Fatalf stops the test function (by panicking) so
// that a test can check the harness does fail.
type recorder struct{ t *testing.T }

func (r recorder) Helper()                         {}
func (r recorder) Logf(format string, args ...any) { r.t.Logf(format, args...) }
func (r recorder) Fatalf(format string, args ...any) {
	panic(fatal(fmt.Sprintf(format, args...)))
}

// fails runs f and returns the harness failure it raised, or "".
func fails(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			m, ok := r.(fatal)
			if !ok {
				panic(r)
			}
			msg = string(m)
		}
	}()
	f()
	return ""
}

// TestHarnessCatchesViolations shows that the invariants can fail: each
// case commits, by hand, what a broken controller would.
func TestHarnessCatchesViolations(t *testing.T) {
	settled := func() *harness {
		h := newHarness(recorder{t}).withNodes(3)
		h.put(newDeployment("web", 4, "v1")) // maxSurge 1, maxUnavailable 1
		h.put(newStatefulSet("db", 2, "v1", false))
		h.put(newDaemonSet("agent", "v1", nil))
		h.settle()
		return h
	}
	podOf := func(h *harness, owner api.Object) *api.Pod { return h.podsOf(owner)[0] }
	tests := []struct {
		name string
		do   func(h *harness)
	}{
		{"pods above maxSurge", func(h *harness) {
			rs := h.replicaSets(h.deployment("web"))[0]
			tmpl := encodeTemplate(&rs.Spec.Template)
			owner := controllerRef("ReplicaSet", &rs.ObjectMeta)
			h.commit(Changes{Creates: []api.Object{tmpl.newPod("default", "x1", owner), tmpl.newPod("default", "x2", owner)}}, -1)
		}},
		{"available below replicas-maxUnavailable", func(h *harness) {
			var dels []Delete
			for _, p := range h.podsOf(h.deployment("web"))[:2] {
				dels = append(dels, Delete{Key: api.KeyOf(p), UID: p.UID})
			}
			h.commit(Changes{Deletes: dels}, -1)
		}},
		{"two daemon pods on a node", func(h *harness) {
			ds := h.daemonSet("agent")
			pod := h.podsOnNode(ds, "n1")[0]
			h.commit(Changes{Creates: []api.Object{h.clone(pod, "agent-extra")}}, -1)
		}},
		{"StatefulSet identity runs twice", func(h *harness) {
			pod := podOf(h, h.statefulSet("db"))
			h.failNode(pod.Spec.NodeName)
			h.advance(h.cfg.NodeGrace) // too early: the agent has not fenced itself
			h.applyDeletes([]Delete{{Key: api.KeyOf(pod), UID: pod.UID}})
			h.commit(Changes{Creates: []api.Object{h.clone(pod, pod.Name)}}, -1)
			h.schedule()
			h.agents()
		}},
		{"Terminating pod deleted again", func(h *harness) {
			h.graceful = true
			pod := podOf(h, h.deployment("web"))
			h.del("Pod", "default", pod.Name)
			h.checkChanges(h.state(), Changes{Deletes: []Delete{{Key: api.KeyOf(pod), UID: pod.UID}}})
		}},
		{"pod forced on a healthy node", func(h *harness) {
			pod := podOf(h, h.deployment("web"))
			h.checkChanges(h.state(), Changes{Deletes: []Delete{{Key: api.KeyOf(pod), UID: pod.UID, Force: true}}})
		}},
		{"Terminating pod forced before its grace ends", func(h *harness) {
			h.graceful = true
			pod := podOf(h, h.deployment("web"))
			h.del("Pod", "default", pod.Name)
			h.failNode(pod.Spec.NodeName)
			h.advance(h.cfg.NodeGrace) // node lost, but 30 s of grace not over
			h.checkChanges(h.state(), Changes{Deletes: []Delete{{Key: api.KeyOf(pod), UID: pod.UID, Force: true}}})
		}},
		{"status counts a Terminating pod", func(h *harness) {
			h.graceful = true
			rs := h.replicaSets(h.deployment("web"))[0]
			h.del("Pod", "default", h.podsOf(h.deployment("web"))[0].Name)
			cp := api.DeepCopy(h.get(api.KeyOf(rs)).(*api.ReplicaSet))
			cp.Status.Replicas = 4
			h.checkChanges(h.state(), Changes{Statuses: []api.Object{cp}})
		}},
		{"daemon pod created while one terminates", func(h *harness) {
			h.graceful = true
			ds := h.daemonSet("agent")
			pod := h.podsOnNode(ds, "n1")[0]
			h.del("Pod", "default", pod.Name)
			h.commit(Changes{Creates: []api.Object{h.clone(pod, "agent-extra")}}, -1)
		}},
		{"Reconcile output written twice", func(h *harness) {
			pod := podOf(h, h.statefulSet("db"))
			h.checkChanges(h.state(), Changes{Updates: []api.Object{pod}, Deletes: []Delete{{Key: api.KeyOf(pod), UID: pod.UID}}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := settled()
			msg := fails(func() { tt.do(h) })
			if msg == "" {
				t.Fatalf("got no failure, want the harness to catch it")
			}
			t.Logf("caught: %s", msg)
		})
	}

	t.Run("stale update is rejected", func(t *testing.T) {
		h := settled()
		rs := api.DeepCopy(h.replicaSets(h.deployment("web"))[0])
		rs.ResourceVersion = "1"
		h.commit(Changes{Updates: []api.Object{rs}}, -1)
		if h.rejected != 1 {
			t.Errorf("got %d rejected batches, want 1", h.rejected)
		}
	})
}

// clone returns pod as a fresh, unbound pod named name (for creates).
func (h *harness) clone(pod *api.Pod, name string) *api.Pod {
	cp := api.DeepCopy(pod)
	cp.Name, cp.UID, cp.ResourceVersion, cp.CreationTimestamp = name, "", "", nil
	cp.Status = api.PodStatus{Phase: api.PodPending}
	if controllerOf(&cp.ObjectMeta).Kind != "DaemonSet" {
		cp.Spec.NodeName = ""
	}
	return cp
}
