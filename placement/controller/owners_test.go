package controller

import (
	"slices"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func TestCascadingDelete(t *testing.T) {
	tests := []struct {
		name  string
		owner func(*harness) api.Object
		kinds []string // kinds deleted in the one pass
	}{
		{"deployment", func(h *harness) api.Object { return h.put(newDeployment("web", 3, "v1")) }, []string{"Pod", "ReplicaSet"}},
		{"statefulset", func(h *harness) api.Object { return h.put(newStatefulSet("web", 3, "v1", true)) }, []string{"Pod"}},
		{"daemonset", func(h *harness) api.Object { return h.put(newDaemonSet("web", "v1", nil)) }, []string{"Pod"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t).withNodes(3)
			owner := tt.owner(h)
			h.put(newDeployment("other", 2, "v1"))
			h.settle()
			others := names(h.activePods(h.deployment("other")))
			k := api.KeyOf(owner)
			h.del(k.Kind, k.Namespace, k.Name)
			ch := h.step()
			var kinds []string
			for _, d := range ch.Deletes {
				if !slices.Contains(kinds, d.Key.Kind) {
					kinds = append(kinds, d.Key.Kind)
				}
			}
			if !slices.Equal(kinds, tt.kinds) {
				t.Errorf("got deletes of %v in one pass, want %v", kinds, tt.kinds)
			}
			h.settle()
			for _, key := range h.keys() {
				if key.Kind == "Pod" || key.Kind == "ReplicaSet" {
					if ref := controllerOf(h.objs[key].GetObjectMeta()); ref.UID == owner.GetObjectMeta().UID {
						t.Errorf("%s survived its owner", key)
					}
				}
			}
			if got := names(h.activePods(h.deployment("other"))); !slices.Equal(got, others) {
				t.Errorf("other deployment: got pods %v, want %v untouched", got, others)
			}
		})
	}
}

func TestNewOwnerUnderOldNameDoesNotAdopt(t *testing.T) {
	h := newHarness(t).withNodes(2)
	h.put(newDeployment("web", 2, "v1"))
	h.settle()
	old := names(h.activePods(h.deployment("web")))
	// Deleted and re-created before any controller pass saw the delete.
	h.del("Deployment", "default", "web")
	h.put(newDeployment("web", 2, "v1"))
	h.settle()
	got := names(h.activePods(h.deployment("web")))
	if len(got) != 2 || slices.ContainsFunc(got, func(n string) bool { return slices.Contains(old, n) }) {
		t.Errorf("got pods %v, want 2 new ones (old were %v)", got, old)
	}
	d := h.deployment("web")
	if rs := h.replicaSets(d); len(rs) != 1 || rs[0].Name != "web-"+TemplateHash(&d.Spec.Template) {
		t.Errorf("got ReplicaSets %v, want one named after the template hash", rs)
	}
}

func TestForeignOwnersAreLeftAlone(t *testing.T) {
	yes := true
	pod := &api.Pod{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: "job-x", Namespace: "default",
			OwnerReferences: []api.OwnerReference{{APIVersion: "example.com/v1", Kind: "Workflow", Name: "x", UID: "gone", Controller: &yes}}},
	}
	orphan := api.DeepCopy(pod)
	orphan.Name, orphan.OwnerReferences[0].Kind = "rs-x", "ReplicaSet"
	st := &State{Now: t0, Pods: []*api.Pod{pod, orphan}}
	ch := Reconcile(st, DefaultConfig())
	if len(ch.Deletes) != 1 || ch.Deletes[0].Key.Name != "rs-x" {
		t.Errorf("got deletes %v, want only rs-x (a Workflow is not ours to collect)", ch.Deletes)
	}
}
