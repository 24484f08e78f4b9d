package controller

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/shoal-dev/shoal/api"
)

// budgetPod is a Running pod of app web owned by the controller uid
// owner ("" for none), Ready or not.
func budgetPod(name, owner string, ready bool) *api.Pod {
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "web"}}}
	if owner != "" {
		p.OwnerReferences = []api.OwnerReference{{Kind: "ReplicaSet", Name: owner, UID: owner, Controller: ptr(true)}}
	}
	p.Spec.NodeName = "n1"
	p.Status.Phase = api.PodRunning
	status := api.ConditionFalse
	if ready {
		status = api.ConditionTrue
	}
	p.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: status}}
	return p
}

func newBudget(minAvailable, maxUnavailable *api.IntOrString) *api.PodDisruptionBudget {
	return &api.PodDisruptionBudget{
		TypeMeta:   api.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default", Generation: 1},
		Spec: api.PodDisruptionBudgetSpec{
			MinAvailable: minAvailable, MaxUnavailable: maxUnavailable,
			Selector: api.SelectorFromMap(map[string]string{"app": "web"}),
		},
	}
}

func intOS(n int32) *api.IntOrString  { v := api.FromInt32(n); return &v }
func pctOS(s string) *api.IntOrString { v := api.FromString(s); return &v }

// readyPods returns n Ready pods of owner rs-1, then unready ones up to
// total.
func readyPods(n, total int) []*api.Pod {
	var out []*api.Pod
	for i := range total {
		out = append(out, budgetPod("web-"+itoa(i), "rs-1", i < n))
	}
	return out
}

func TestBudgetStatus(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	scale := func(n int32) map[string]Scale { return map[string]Scale{"rs-1": {Owner: "deploy-1", Replicas: n}} }
	tests := []struct {
		name   string
		budget *api.PodDisruptionBudget
		pods   []*api.Pod
		scales map[string]Scale
		// want is expected, desired, healthy, allowed.
		want [4]int32
	}{
		{"minAvailable 2 of 2 ready", newBudget(intOS(2), nil), readyPods(2, 2), scale(2), [4]int32{2, 2, 2, 0}},
		{"minAvailable 2 of 3 ready", newBudget(intOS(2), nil), readyPods(3, 3), scale(3), [4]int32{3, 2, 3, 1}},
		{"minAvailable 2, one unready", newBudget(intOS(2), nil), readyPods(2, 3), scale(3), [4]int32{3, 2, 2, 0}},
		{"minAvailable 0", newBudget(intOS(0), nil), readyPods(2, 2), scale(2), [4]int32{2, 0, 2, 2}},
		// 50% of 3 = 1.5, rounded up to 2.
		{"minAvailable 50% rounds up", newBudget(pctOS("50%"), nil), readyPods(3, 3), scale(3), [4]int32{3, 2, 3, 1}},
		// 34% of 3 = 1.02 → 2.
		{"minAvailable 34% of 3", newBudget(pctOS("34%"), nil), readyPods(3, 3), scale(3), [4]int32{3, 2, 3, 1}},
		{"minAvailable 100%", newBudget(pctOS("100%"), nil), readyPods(4, 4), scale(4), [4]int32{4, 4, 4, 0}},
		// percentages count the controller's replicas, not the pods seen.
		{"minAvailable percent uses scale", newBudget(pctOS("50%"), nil), readyPods(2, 2), scale(4), [4]int32{4, 2, 2, 0}},
		{"maxUnavailable 1 of 3", newBudget(nil, intOS(1)), readyPods(3, 3), scale(3), [4]int32{3, 2, 3, 1}},
		{"maxUnavailable 0", newBudget(nil, intOS(0)), readyPods(3, 3), scale(3), [4]int32{3, 3, 3, 0}},
		// 25% of 3 = 0.75, rounded up to 1: desired 2.
		{"maxUnavailable 25% rounds up", newBudget(nil, pctOS("25%")), readyPods(3, 3), scale(3), [4]int32{3, 2, 3, 1}},
		{"maxUnavailable 50% of 5", newBudget(nil, pctOS("50%")), readyPods(5, 5), scale(5), [4]int32{5, 2, 5, 3}},
		{"maxUnavailable more than expected", newBudget(nil, intOS(9)), readyPods(2, 2), scale(2), [4]int32{2, 0, 2, 2}},
		{"maxUnavailable without controller counts pods", newBudget(nil, intOS(1)), []*api.Pod{budgetPod("a", "", true), budgetPod("b", "", true)}, nil, [4]int32{2, 1, 2, 1}},
		{"no pods allow nothing", newBudget(intOS(0), nil), nil, nil, [4]int32{0, 0, 0, 0}},
		{"neither set", newBudget(nil, nil), readyPods(2, 2), scale(2), [4]int32{2, 0, 2, 2}},
		{"other labels not counted", newBudget(intOS(1), nil), append(readyPods(1, 1), &api.Pod{ObjectMeta: api.ObjectMeta{Name: "x", Namespace: "default"}}), scale(1), [4]int32{1, 1, 1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := BudgetStatus(tt.budget, tt.pods, tt.scales, now)
			got := [4]int32{st.ExpectedPods, st.DesiredHealthy, st.CurrentHealthy, st.DisruptionsAllowed}
			if got != tt.want {
				t.Errorf("got expected/desired/healthy/allowed %v, want %v", got, tt.want)
			}
			if st.ObservedGeneration != 1 {
				t.Errorf("got observedGeneration %d, want 1", st.ObservedGeneration)
			}
		})
	}
}

func TestBudgetStatusDisruptedPods(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	pods := readyPods(3, 3)
	terminating := budgetPod("web-t", "rs-1", true)
	terminating.DeletionTimestamp = &now
	pods = append(pods, terminating)
	b := newBudget(intOS(1), nil)
	b.Status.DisruptedPods = map[string]time.Time{
		"web-0": now.Add(-time.Minute),         // recent: kept, not healthy
		"web-1": now.Add(-DisruptedPodTimeout), // expired: dropped
		"web-t": now.Add(-time.Second),         // being deleted: dropped
		"gone":  now.Add(-time.Second),         // no such pod: dropped
	}
	st := BudgetStatus(b, pods, nil, now)
	if diff := cmp.Diff(map[string]time.Time{"web-0": now.Add(-time.Minute)}, st.DisruptedPods); diff != "" {
		t.Errorf("disruptedPods (-want +got):\n%s", diff)
	}
	if st.CurrentHealthy != 2 {
		t.Errorf("got currentHealthy %d, want 2 (web-1, web-2)", st.CurrentHealthy)
	}
}

func TestDecideEviction(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	scales := map[string]Scale{"rs-1": {Owner: "d", Replicas: 3}}
	pending := budgetPod("web-p", "rs-1", false)
	pending.Status.Phase = api.PodPending
	terminating := budgetPod("web-0", "rs-1", true)
	terminating.DeletionTimestamp = &now
	other := newBudget(intOS(1), nil)
	other.Name = "other"
	disrupted := newBudget(intOS(1), nil)
	disrupted.Status.DisruptedPods = map[string]time.Time{"web-1": now}
	tests := []struct {
		name    string
		pod     *api.Pod
		budgets []*api.PodDisruptionBudget
		pods    []*api.Pod
		allowed bool
		reason  string // part of the refusal
		written bool   // a budget status is to be written
		err     string
	}{
		{"no budget", budgetPod("web-0", "rs-1", true), nil, readyPods(3, 3), true, "", false, ""},
		{"budget allows", budgetPod("web-0", "rs-1", true), []*api.PodDisruptionBudget{newBudget(intOS(2), nil)}, readyPods(3, 3), true, "", true, ""},
		{"budget refuses", budgetPod("web-0", "rs-1", true), []*api.PodDisruptionBudget{newBudget(intOS(3), nil)}, readyPods(3, 3), false, "the disruption budget web needs 3 healthy pods and has 3 currently", false, ""},
		{"maxUnavailable 0 refuses", budgetPod("web-0", "rs-1", true), []*api.PodDisruptionBudget{newBudget(nil, intOS(0))}, readyPods(3, 3), false, "needs 3 healthy pods", false, ""},
		{"second eviction sees the first", budgetPod("web-0", "rs-1", true), []*api.PodDisruptionBudget{disrupted}, readyPods(2, 3)[:2], false, "needs 1 healthy pods and has 1 currently", false, ""},
		{"pending pod ignores budget", pending, []*api.PodDisruptionBudget{newBudget(intOS(3), nil)}, readyPods(3, 3), true, "", false, ""},
		{"terminating pod ignores budget", terminating, []*api.PodDisruptionBudget{newBudget(intOS(3), nil)}, readyPods(3, 3), true, "", false, ""},
		{"unready pod while budget healthy", budgetPod("web-2", "rs-1", false), []*api.PodDisruptionBudget{newBudget(intOS(2), nil)}, readyPods(2, 3), true, "", false, ""},
		{"unready pod while budget short", budgetPod("web-2", "rs-1", false), []*api.PodDisruptionBudget{newBudget(intOS(3), nil)}, readyPods(2, 3), false, "needs 3 healthy pods and has 2 currently", false, ""},
		{"budget in another namespace", budgetPod("web-0", "rs-1", true), []*api.PodDisruptionBudget{{ObjectMeta: api.ObjectMeta{Name: "x", Namespace: "prod"}, Spec: api.PodDisruptionBudgetSpec{MinAvailable: intOS(9), Selector: &api.LabelSelector{}}}}, readyPods(3, 3), true, "", false, ""},
		{"two budgets", budgetPod("web-0", "rs-1", true), []*api.PodDisruptionBudget{newBudget(intOS(1), nil), other}, readyPods(3, 3), false, "", false, "more than one PodDisruptionBudget (default/other, default/web)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := DecideEviction(tt.pod, tt.budgets, tt.pods, scales, now)
			if tt.err != "" {
				var many ErrManyBudgets
				if err == nil || !errors.As(err, &many) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got error %v, want ErrManyBudgets containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if ev.Allowed != tt.allowed {
				t.Errorf("got allowed %v (reason %q), want %v", ev.Allowed, ev.Reason, tt.allowed)
			}
			if !strings.Contains(ev.Reason, tt.reason) {
				t.Errorf("got reason %q, want one containing %q", ev.Reason, tt.reason)
			}
			if got := ev.Status != nil; got != tt.written {
				t.Errorf("got status to write %v, want %v", got, tt.written)
			}
		})
	}
}

func TestDecideEvictionRecordsDisruption(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 30, 0, time.UTC)
	pods := readyPods(3, 3)
	b := newBudget(intOS(1), nil)
	ev, err := DecideEviction(pods[0], []*api.PodDisruptionBudget{b}, pods, nil, now)
	if err != nil || !ev.Allowed || ev.Status == nil {
		t.Fatalf("got %+v, %v; want allowed with a status to write", ev, err)
	}
	if got, want := ev.Status.DisruptionsAllowed, int32(1); got != want {
		t.Errorf("got disruptionsAllowed %d, want %d", got, want)
	}
	if got, ok := ev.Status.DisruptedPods["web-0"]; !ok || !got.Equal(now) {
		t.Errorf("got disruptedPods %v, want web-0 at %v", ev.Status.DisruptedPods, now)
	}
	if b.Status.DisruptedPods != nil {
		t.Errorf("the budget given was modified: %v", b.Status.DisruptedPods)
	}
	// The written status makes the next decision count web-0 as gone.
	b.Status = *ev.Status
	ev, _ = DecideEviction(pods[1], []*api.PodDisruptionBudget{b}, pods, nil, now)
	if !ev.Allowed {
		t.Fatalf("second eviction refused (%s), want allowed (2 healthy, 1 needed)", ev.Reason)
	}
	b.Status = *ev.Status
	ev, _ = DecideEviction(pods[2], []*api.PodDisruptionBudget{b}, pods, nil, now)
	if ev.Allowed {
		t.Errorf("third eviction allowed, want refused (1 healthy, 1 needed)")
	}
}

func TestReconcileWritesBudgetStatus(t *testing.T) {
	h := newHarness(t).withNodes(2)
	h.put(newDeployment("web", 3, "v1"))
	h.settle()
	b := newBudget(pctOS("50%"), nil)
	b.Spec.Selector = api.SelectorFromMap(h.deployment("web").Spec.Selector.MatchLabels)
	h.put(b)
	h.settle()
	got := h.get(api.KeyOf(b)).(*api.PodDisruptionBudget).Status
	want := [4]int32{3, 2, 3, 1}
	if g := [4]int32{got.ExpectedPods, got.DesiredHealthy, got.CurrentHealthy, got.DisruptionsAllowed}; g != want {
		t.Errorf("got expected/desired/healthy/allowed %v, want %v", g, want)
	}
	h.put(setReplicas(h.deployment("web"), 5))
	h.settle()
	got = h.get(api.KeyOf(b)).(*api.PodDisruptionBudget).Status
	want = [4]int32{5, 3, 5, 2}
	if g := [4]int32{got.ExpectedPods, got.DesiredHealthy, got.CurrentHealthy, got.DisruptionsAllowed}; g != want {
		t.Errorf("after scaling to 5: got expected/desired/healthy/allowed %v, want %v", g, want)
	}
	if ch := h.reconcile(); len(ch.Statuses) != 0 {
		t.Errorf("got %d status writes on a settled cluster, want 0", len(ch.Statuses))
	}
}
