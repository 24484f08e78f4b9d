package controller

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shoal-dev/shoal/api"
)

func TestDeploymentScale(t *testing.T) {
	tests := []struct {
		name  string
		steps []int32
	}{
		{"create", []int32{3}},
		{"scale up", []int32{2, 7}},
		{"scale down", []int32{6, 2}},
		{"scale to zero and back", []int32{3, 0, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t).withNodes(3)
			for _, n := range tt.steps {
				h.put(newDeployment("web", n, "v1"))
				h.settle()
				d := h.deployment("web")
				pods := h.activePods(d)
				if got := len(pods); got != int(n) {
					t.Fatalf("replicas %d: got %d pods, want %d", n, got, n)
				}
				if got := len(h.replicaSets(d)); got != 1 {
					t.Errorf("replicas %d: got %d ReplicaSets, want 1", n, got)
				}
				want := api.DeploymentStatus{
					ObservedGeneration: d.Generation, Replicas: n, UpdatedReplicas: n, ReadyReplicas: n, AvailableReplicas: n,
				}
				got := d.Status
				got.Conditions = nil
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("replicas %d: status (-want +got):\n%s", n, diff)
				}
				for _, c := range d.Status.Conditions {
					if c.Status != api.ConditionTrue {
						t.Errorf("replicas %d: condition %s is %s (%s), want True", n, c.Type, c.Status, c.Reason)
					}
				}
			}
			if h.rejected != 0 {
				t.Errorf("got %d rejected batches, want 0", h.rejected)
			}
		})
	}
}

func TestScaleDownPrefersUnreadyAndUnscheduled(t *testing.T) {
	h := newHarness(t).withNodes(2)
	h.readyFn = func(p *api.Pod) bool { return p.Spec.NodeName != "n2" }
	h.put(newDeployment("web", 4, "v1"))
	h.settle()
	var notReady []string
	for _, p := range h.activePods(h.deployment("web")) {
		if p.Spec.NodeName == "n2" {
			notReady = append(notReady, p.Name)
		}
	}
	h.put(newDeployment("web", 2, "v1"))
	ch := h.step()
	var deleted []string
	for _, d := range ch.Deletes {
		deleted = append(deleted, d.Key.Name)
	}
	if diff := cmp.Diff(notReady, deleted); diff != "" {
		t.Errorf("deleted pods (-want not ready ones +got):\n%s", diff)
	}
}

func TestRollingUpdate(t *testing.T) {
	tests := []struct {
		name           string
		replicas       int32
		surge, unavail api.IntOrString
	}{
		{"defaults 25%", 10, api.FromString("25%"), api.FromString("25%")},
		{"surge only", 4, api.FromInt32(1), api.FromInt32(0)},
		{"unavailable only", 4, api.FromInt32(0), api.FromInt32(1)},
		{"both zero means one unavailable", 3, api.FromInt32(0), api.FromInt32(0)},
		{"large surge", 5, api.FromString("100%"), api.FromInt32(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t).withNodes(3)
			h.put(withRolling(newDeployment("web", tt.replicas, "v1"), tt.surge, tt.unavail))
			h.settle()
			start := h.passes
			h.put(setImage(h.deployment("web"), "v2"))
			h.settle()
			d := h.deployment("web")
			if got, want := images(h.activePods(d)), slices.Repeat([]string{"v2"}, int(tt.replicas)); !slices.Equal(got, want) {
				t.Errorf("got images %v, want %v", got, want)
			}
			revs := map[string]int32{}
			for _, rs := range h.replicaSets(d) {
				revs[rs.Annotations[api.AnnotationRevision]] = *rs.Spec.Replicas
			}
			if diff := cmp.Diff(map[string]int32{"1": 0, "2": tt.replicas}, revs); diff != "" {
				t.Errorf("replicas by revision (-want +got):\n%s", diff)
			}
			if c := findDeploymentCondition(d.Status.Conditions, api.DeploymentProgressing); c == nil || c.Reason != ReasonNewReplicaSetAvailable {
				t.Errorf("got Progressing %+v, want reason %s", c, ReasonNewReplicaSetAvailable)
			}
			t.Logf("rollout of %d replicas took %d passes", tt.replicas, h.passes-start)
		})
	}
}

func TestRollingUpdateStallsOnUnreadyPods(t *testing.T) {
	h := newHarness(t).withNodes(3)
	h.readyFn = func(p *api.Pod) bool { return p.Spec.Containers[0].Image != "v2" }
	h.put(newDeployment("web", 10, "v1")) // maxSurge 3 (25% up), maxUnavailable 2 (25% down)
	h.settle()
	h.put(setImage(h.deployment("web"), "v2"))
	h.settle()

	d := h.deployment("web")
	byImage := map[string]int{}
	available := 0
	for _, p := range h.activePods(d) {
		byImage[p.Spec.Containers[0].Image]++
		if h.available(p, 0) {
			available++
		}
	}
	if diff := cmp.Diff(map[string]int{"v1": 8, "v2": 5}, byImage); diff != "" {
		t.Errorf("pods by image at the stall (-want +got):\n%s", diff)
	}
	if available != 8 {
		t.Errorf("got %d available pods, want 8 (replicas - maxUnavailable)", available)
	}
	if c := findDeploymentCondition(d.Status.Conditions, api.DeploymentAvailable); c.Status != api.ConditionTrue {
		t.Errorf("got Available %s, want True", c.Status)
	}

	t.Run("progress deadline", func(t *testing.T) {
		h.advance(599 * time.Second)
		h.settle()
		if c := findDeploymentCondition(h.deployment("web").Status.Conditions, api.DeploymentProgressing); c.Status != api.ConditionTrue {
			t.Errorf("before the deadline: got Progressing %s (%s), want True", c.Status, c.Reason)
		}
		h.advance(time.Second)
		h.settle()
		c := findDeploymentCondition(h.deployment("web").Status.Conditions, api.DeploymentProgressing)
		if c.Status != api.ConditionFalse || c.Reason != ReasonProgressDeadlineExceeded {
			t.Errorf("at the deadline: got Progressing %s (%s), want False (%s)", c.Status, c.Reason, ReasonProgressDeadlineExceeded)
		}
	})

	t.Run("recovers when pods get ready", func(t *testing.T) {
		h.readyFn = func(*api.Pod) bool { return true }
		h.settle()
		d := h.deployment("web")
		if got := images(h.activePods(d)); !slices.Equal(got, slices.Repeat([]string{"v2"}, 10)) {
			t.Errorf("got images %v, want 10 x v2", got)
		}
		if c := findDeploymentCondition(d.Status.Conditions, api.DeploymentProgressing); c.Reason != ReasonNewReplicaSetAvailable {
			t.Errorf("got Progressing reason %s, want %s", c.Reason, ReasonNewReplicaSetAvailable)
		}
	})
}

func TestMinReadySeconds(t *testing.T) {
	h := newHarness(t).withNodes(2)
	d := withRolling(newDeployment("web", 4, "v1"), api.FromInt32(1), api.FromInt32(0))
	d.Spec.MinReadySeconds = 10
	h.put(d)
	h.settleFor(10*time.Second, time.Second)
	h.put(setImage(h.deployment("web"), "v2"))
	h.settle()
	// Ready but not yet available: old pods must all stay.
	if got := images(h.activePods(h.deployment("web"))); !slices.Equal(got, []string{"v1", "v1", "v1", "v1", "v2"}) {
		t.Fatalf("before minReadySeconds: got images %v, want 4 x v1 + 1 x v2", got)
	}
	h.settleFor(60*time.Second, time.Second)
	if got := images(h.activePods(h.deployment("web"))); !slices.Equal(got, slices.Repeat([]string{"v2"}, 4)) {
		t.Errorf("after minReadySeconds: got images %v, want 4 x v2", got)
	}
}

func TestRecreate(t *testing.T) {
	h := newHarness(t).withNodes(2)
	d := newDeployment("web", 3, "v1")
	d.Spec.Strategy = api.DeploymentStrategy{Type: api.RecreateDeploymentStrategyType}
	h.put(d)
	h.settle()
	h.put(setImage(h.deployment("web"), "v2"))
	// First pass: every old pod goes, no new pod comes.
	ch := h.step()
	if got := len(ch.Deletes); got != 3 {
		t.Errorf("first pass: got %d deletes, want 3", got)
	}
	for _, o := range ch.Creates {
		if o.GetTypeMeta().Kind == "Pod" {
			t.Errorf("first pass created pod %s while old pods exist", o.GetObjectMeta().Name)
		}
	}
	h.settle()
	if got := images(h.activePods(h.deployment("web"))); !slices.Equal(got, []string{"v2", "v2", "v2"}) {
		t.Errorf("got images %v, want 3 x v2", got)
	}
}

func TestRollback(t *testing.T) {
	h := newHarness(t).withNodes(2)
	h.put(newDeployment("web", 2, "v1"))
	h.settle()
	h.put(setImage(h.deployment("web"), "v2"))
	h.settle()
	v1 := ""
	for _, rs := range h.replicaSets(h.deployment("web")) {
		if rs.Spec.Template.Spec.Containers[0].Image == "v1" {
			v1 = rs.Name
		}
	}
	h.put(setImage(h.deployment("web"), "v1"))
	h.settle()

	d := h.deployment("web")
	got := map[string]string{}
	for _, rs := range h.replicaSets(d) {
		got[rs.Name] = rs.Annotations[api.AnnotationRevision] + "/" + strconv.Itoa(int(*rs.Spec.Replicas))
	}
	if len(got) != 2 || got[v1] != "3/2" {
		t.Errorf("got ReplicaSets (name: revision/replicas) %v, want the v1 one %s reused as revision 3 with 2 replicas", got, v1)
	}
	for _, p := range h.activePods(d) {
		if p.Labels[api.LabelPodTemplateHash] != v1[len("web-"):] || p.Spec.Containers[0].Image != "v1" {
			t.Errorf("pod %s: got hash %s image %s, want the v1 revision", p.Name, p.Labels[api.LabelPodTemplateHash], p.Spec.Containers[0].Image)
		}
	}
}

func TestRevisionHistoryLimit(t *testing.T) {
	h := newHarness(t).withNodes(2)
	d := newDeployment("web", 1, "v1")
	d.Spec.RevisionHistoryLimit = ptr(int32(2))
	h.put(d)
	h.settle()
	for i := 2; i <= 6; i++ {
		h.put(setImage(h.deployment("web"), "v"+strconv.Itoa(i)))
		h.settle()
	}
	var got []string
	for _, rs := range h.replicaSets(h.deployment("web")) {
		got = append(got, rs.Annotations[api.AnnotationRevision]+":"+rs.Spec.Template.Spec.Containers[0].Image)
	}
	slices.Sort(got)
	if want := []string{"4:v4", "5:v5", "6:v6"}; !slices.Equal(got, want) {
		t.Errorf("got revisions %v, want %v (the current one and the 2 newest old ones)", got, want)
	}
}

func TestPaused(t *testing.T) {
	h := newHarness(t).withNodes(2)
	h.put(newDeployment("web", 2, "v1"))
	h.settle()
	d := setImage(h.deployment("web"), "v2")
	d.Spec.Paused = true
	h.put(d)
	h.settle()
	if got := len(h.replicaSets(h.deployment("web"))); got != 1 {
		t.Errorf("paused: got %d ReplicaSets, want 1 (no rollout)", got)
	}
	if c := findDeploymentCondition(h.deployment("web").Status.Conditions, api.DeploymentProgressing); c.Reason != ReasonDeploymentPaused {
		t.Errorf("paused: got Progressing reason %s, want %s", c.Reason, ReasonDeploymentPaused)
	}
	h.put(setReplicas(h.deployment("web"), 4))
	h.settle()
	if got := images(h.activePods(h.deployment("web"))); !slices.Equal(got, []string{"v1", "v1", "v1", "v1"}) {
		t.Errorf("paused and scaled: got images %v, want 4 x v1", got)
	}
	d = api.DeepCopy(h.deployment("web"))
	d.Spec.Paused = false
	h.put(d)
	h.settle()
	if got := images(h.activePods(h.deployment("web"))); !slices.Equal(got, []string{"v2", "v2", "v2", "v2"}) {
		t.Errorf("resumed: got images %v, want 4 x v2", got)
	}
}

func TestThousandReplicasInTwoBursts(t *testing.T) {
	h := newHarness(t).withNodes(10)
	h.batch, h.checkInputs = 500, false
	h.put(newDeployment("big", 1000, "v1"))
	first := h.step()
	if len(first.Creates) != 1 || first.Creates[0].GetTypeMeta().Kind != "ReplicaSet" {
		t.Fatalf("first pass: got %d creates, want the ReplicaSet (its pods need its uid)", len(first.Creates))
	}
	second := h.step()
	if got := len(second.Creates); got != BurstReplicas {
		t.Fatalf("second pass: got %d pod creates, want %d (BurstReplicas)", got, BurstReplicas)
	}
	third := h.step()
	if got := len(third.Creates); got != 1000-BurstReplicas {
		t.Fatalf("third pass: got %d pod creates, want %d", got, 1000-BurstReplicas)
	}
	seen := map[string]bool{}
	for _, o := range append(second.Creates, third.Creates...) {
		if seen[o.GetObjectMeta().Name] {
			t.Fatalf("pod name %s created twice", o.GetObjectMeta().Name)
		}
		seen[o.GetObjectMeta().Name] = true
	}
	if passes := h.settle(); passes > 5 {
		t.Errorf("got %d more passes to settle, want at most 5", passes)
	}
	if got := len(h.activePods(h.deployment("big"))); got != 1000 {
		t.Errorf("got %d pods, want 1000", got)
	}
}
