package controller

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shoal-dev/shoal/api"
)

// podNodes maps each active pod of owner to its node.
func (h *harness) podNodes(owner api.Object) []string {
	var out []string
	for _, p := range h.activePods(owner) {
		out = append(out, p.Spec.NodeName)
	}
	slices.Sort(out)
	return out
}

func TestDaemonSetFollowsNodes(t *testing.T) {
	h := newHarness(t).withNodes(3)
	h.put(newDaemonSet("agent", "v1", map[string]string{"role": "edge"}))
	for _, n := range []string{"n1", "n2", "n3"} {
		h.labelNode(n, "role", "edge")
	}
	h.settle()
	ds := h.daemonSet("agent")
	check := func(step string, want ...string) {
		t.Helper()
		if got := h.podNodes(h.daemonSet("agent")); !slices.Equal(got, want) {
			t.Errorf("%s: got pods on %v, want %v", step, got, want)
		}
	}
	check("start", "n1", "n2", "n3")
	for _, p := range h.podsOf(ds) {
		if p.Labels[api.LabelControllerRevisionHash] != TemplateHash(&ds.Spec.Template) {
			t.Errorf("%s: got revision %q, want %q", p.Name, p.Labels[api.LabelControllerRevisionHash], TemplateHash(&ds.Spec.Template))
		}
	}

	h.addNode("n4", map[string]string{"role": "edge"})
	h.settle()
	check("node added", "n1", "n2", "n3", "n4")

	h.del("Node", "", "n2")
	h.settle()
	check("node removed", "n1", "n3", "n4")

	h.labelNode("n3", "role", "")
	h.settle()
	check("label removed", "n1", "n4")

	n := api.DeepCopy(h.node("n1"))
	n.Spec.Unschedulable = true
	h.write(n, true)
	h.settle()
	check("cordoned node keeps its pod", "n1", "n4")

	h.labelNode("n3", "role", "edge")
	h.settle()
	check("label back", "n1", "n3", "n4")

	want := api.DaemonSetStatus{
		ObservedGeneration: h.daemonSet("agent").Generation, DesiredNumberScheduled: 3, CurrentNumberScheduled: 3,
		NumberReady: 3, UpdatedNumberScheduled: 3, NumberAvailable: 3,
	}
	if diff := cmp.Diff(want, h.daemonSet("agent").Status); diff != "" {
		t.Errorf("status (-want +got):\n%s", diff)
	}
}

func TestDaemonSetRollingUpdate(t *testing.T) {
	tests := []struct {
		name           string
		maxUnavailable api.IntOrString
		perPass        int
	}{
		{"one at a time", api.FromInt32(1), 1},
		{"two at a time", api.FromInt32(2), 2},
		{"percentage rounds up", api.FromString("30%"), 2}, // 30% of 5 = 1.5
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t).withNodes(5)
			ds := newDaemonSet("agent", "v1", nil)
			ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = &tt.maxUnavailable
			h.put(ds)
			h.settle()
			h.put(setImage(h.daemonSet("agent"), "v2"))
			most := 0
			for i := 0; i < 100; i++ {
				ch := h.step()
				most = max(most, len(ch.Deletes))
				s, a := h.schedule(), h.agents()
				if ch.Empty() && !s && !a {
					break
				}
			}
			h.checkFixpoint()
			if most != tt.perPass {
				t.Errorf("got at most %d pods replaced per pass, want %d", most, tt.perPass)
			}
			if got := images(h.activePods(h.daemonSet("agent"))); !slices.Equal(got, slices.Repeat([]string{"v2"}, 5)) {
				t.Errorf("got images %v, want 5 x v2", got)
			}
		})
	}
}

func TestDaemonSetRollingUpdateStallsOnUnreadyPods(t *testing.T) {
	h := newHarness(t).withNodes(4)
	h.readyFn = func(p *api.Pod) bool { return p.Spec.Containers[0].Image != "v2" }
	h.put(newDaemonSet("agent", "v1", nil))
	h.settle()
	h.put(setImage(h.daemonSet("agent"), "v2"))
	h.settle()
	if got := images(h.activePods(h.daemonSet("agent"))); !slices.Equal(got, []string{"v1", "v1", "v1", "v2"}) {
		t.Errorf("got images %v, want one unready v2 and 3 x v1", got)
	}
}

func TestDaemonPodNameCollision(t *testing.T) {
	h := newHarness(t).withNodes(1)
	ds := newDaemonSet("agent", "v1", nil)
	h.put(ds)
	// Another pod already has the name the node's hash gives.
	taken := &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: generatedName("agent", "n1"), Namespace: "default"},
		Spec:       api.PodSpec{Containers: []api.Container{{Name: "main", Image: "x"}}},
	}
	h.write(taken, false)
	h.settle()
	pods := h.podsOf(h.daemonSet("agent"))
	if len(pods) != 1 || pods[0].Name == taken.Name || pods[0].Spec.NodeName != "n1" {
		t.Errorf("got pods %v, want one on n1 not named %s", names(pods), taken.Name)
	}
}
