package controller

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shoal-dev/shoal/api"
)

// podEvents runs passes (with scheduler and agents) to a fixpoint and
// returns, per pass, the StatefulSet pods it created ("+name") and deleted
// ("-name"), skipping passes that did neither.
func (h *harness) podEvents() [][]string {
	h.t.Helper()
	var out [][]string
	for i := 0; i < 100; i++ {
		ch := h.step()
		var ev []string
		for _, o := range ch.Creates {
			if o.GetTypeMeta().Kind == "Pod" {
				ev = append(ev, "+"+o.GetObjectMeta().Name)
			}
		}
		for _, d := range ch.Deletes {
			if d.Key.Kind == "Pod" {
				ev = append(ev, "-"+d.Key.Name)
			}
		}
		if ev != nil {
			out = append(out, ev)
		}
		s, a := h.schedule(), h.agents()
		if ch.Empty() && !s && !a {
			h.checkFixpoint()
			return out
		}
	}
	h.t.Fatalf("no fixpoint after 100 passes")
	return nil
}

func TestStatefulSetOrderedReady(t *testing.T) {
	h := newHarness(t).withNodes(3)
	h.put(newStatefulSet("db", 3, "v1", true))
	if diff := cmp.Diff([][]string{{"+db-0"}, {"+db-1"}, {"+db-2"}}, h.podEvents()); diff != "" {
		t.Errorf("create in order (-want +got):\n%s", diff)
	}
	ss := h.statefulSet("db")
	for i, p := range h.podsOf(ss) {
		claim := "data-db-" + itoa(i)
		want := []api.Volume{{Name: "data", PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}
		if diff := cmp.Diff(want, p.Spec.Volumes); diff != "" {
			t.Errorf("%s volumes (-want +got):\n%s", p.Name, diff)
		}
		if p.Spec.Hostname != p.Name || p.Spec.Subdomain != "db" || p.Labels[api.LabelStatefulSetPodName] != p.Name {
			t.Errorf("%s: got hostname %q subdomain %q pod-name label %q", p.Name, p.Spec.Hostname, p.Spec.Subdomain, p.Labels[api.LabelStatefulSetPodName])
		}
	}
	st := ss.Status
	if st.Replicas != 3 || st.ReadyReplicas != 3 || st.UpdatedReplicas != 3 || st.CurrentReplicas != 3 || st.ObservedGeneration != ss.Generation {
		t.Errorf("got status %+v, want 3 replicas, all ready, current and updated", st)
	}

	h.put(setReplicas(h.statefulSet("db"), 0))
	if diff := cmp.Diff([][]string{{"-db-2"}, {"-db-1"}, {"-db-0"}}, h.podEvents()); diff != "" {
		t.Errorf("scale down in reverse (-want +got):\n%s", diff)
	}
}

func TestStatefulSetWaitsForReady(t *testing.T) {
	h := newHarness(t).withNodes(2)
	h.readyFn = func(p *api.Pod) bool { return p.Name != "db-1" }
	h.put(newStatefulSet("db", 4, "v1", false))
	h.settle()
	if got := names(h.podsOf(h.statefulSet("db"))); !slices.Equal(got, []string{"db-0", "db-1"}) {
		t.Errorf("got pods %v, want db-0 db-1 (db-1 never gets ready)", got)
	}
	h.readyFn = func(*api.Pod) bool { return true }
	h.settle()
	if got := len(h.podsOf(h.statefulSet("db"))); got != 4 {
		t.Errorf("once ready: got %d pods, want 4", got)
	}
}

func TestStatefulSetParallel(t *testing.T) {
	h := newHarness(t).withNodes(2)
	ss := newStatefulSet("db", 3, "v1", false)
	ss.Spec.PodManagementPolicy = api.ParallelPodManagement
	h.put(ss)
	if diff := cmp.Diff([][]string{{"+db-0", "+db-1", "+db-2"}}, h.podEvents()); diff != "" {
		t.Errorf("create (-want +got):\n%s", diff)
	}
	h.put(setReplicas(h.statefulSet("db"), 1))
	if diff := cmp.Diff([][]string{{"-db-1", "-db-2"}}, h.podEvents()); diff != "" {
		t.Errorf("scale down (-want +got):\n%s", diff)
	}
}

func TestStatefulSetRollingUpdate(t *testing.T) {
	tests := []struct {
		name      string
		partition int32
		onDelete  bool
		events    [][]string
		images    []string
	}{
		{"from the highest ordinal", 0, false,
			[][]string{{"-db-2"}, {"+db-2"}, {"-db-1"}, {"+db-1"}, {"-db-0"}, {"+db-0"}}, []string{"v2", "v2", "v2"}},
		{"partition", 2, false, [][]string{{"-db-2"}, {"+db-2"}}, []string{"v1", "v1", "v2"}},
		{"on delete", 0, true, nil, []string{"v1", "v1", "v1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t).withNodes(3)
			ss := newStatefulSet("db", 3, "v1", true)
			ss.Spec.UpdateStrategy.RollingUpdate.Partition = &tt.partition
			if tt.onDelete {
				ss.Spec.UpdateStrategy = api.StatefulSetUpdateStrategy{Type: api.OnDeleteStatefulSetStrategyType}
			}
			h.put(ss)
			h.settle()
			nodes := map[string]string{}
			for _, p := range h.podsOf(h.statefulSet("db")) {
				nodes[p.Name] = p.Spec.NodeName
			}
			h.put(setImage(h.statefulSet("db"), "v2"))
			if diff := cmp.Diff(tt.events, h.podEvents()); diff != "" {
				t.Errorf("pod events (-want +got):\n%s", diff)
			}
			var got []string
			for _, p := range h.podsOf(h.statefulSet("db")) {
				got = append(got, p.Spec.Containers[0].Image)
				if p.Spec.NodeName != nodes[p.Name] {
					t.Errorf("%s moved from %s to %s: its volume is on %s", p.Name, nodes[p.Name], p.Spec.NodeName, nodes[p.Name])
				}
			}
			if !slices.Equal(got, tt.images) {
				t.Errorf("got images %v, want %v", got, tt.images)
			}
			st := h.statefulSet("db").Status
			updated := int32(0)
			for _, img := range tt.images {
				if img == "v2" {
					updated++
				}
			}
			if st.UpdatedReplicas != updated || (updated == 3) != (st.CurrentRevision == st.UpdateRevision) {
				t.Errorf("got status %+v, want %d updated", st, updated)
			}
		})
	}
}

func TestStatefulSetOnDeleteReplacesDeletedPod(t *testing.T) {
	h := newHarness(t).withNodes(2)
	ss := newStatefulSet("db", 2, "v1", false)
	ss.Spec.UpdateStrategy = api.StatefulSetUpdateStrategy{Type: api.OnDeleteStatefulSetStrategyType}
	h.put(ss)
	h.settle()
	h.put(setImage(h.statefulSet("db"), "v2"))
	h.settle()
	h.del("Pod", "default", "db-1")
	h.settle()
	if got := images(h.podsOf(h.statefulSet("db"))); !slices.Equal(got, []string{"v1", "v2"}) {
		t.Errorf("got images %v, want db-0 v1, db-1 v2", got)
	}
}

func TestStatefulSetVolumesOutlivePods(t *testing.T) {
	h := newHarness(t).withNodes(3)
	h.put(newStatefulSet("db", 3, "v1", true))
	h.settle()
	first := map[string]string{}
	for _, p := range h.podsOf(h.statefulSet("db")) {
		first[p.Name] = p.Spec.NodeName
	}
	var recorded map[string]string
	if err := json.Unmarshal([]byte(h.statefulSet("db").Annotations[api.AnnotationVolumeNodes]), &recorded); err != nil {
		t.Fatalf("volume-nodes annotation: %v", err)
	}
	want := map[string]string{"data-db-0": first["db-0"], "data-db-1": first["db-1"], "data-db-2": first["db-2"]}
	if diff := cmp.Diff(want, recorded); diff != "" {
		t.Fatalf("volume-nodes annotation (-want +got):\n%s", diff)
	}

	t.Run("scale down and up", func(t *testing.T) {
		h.put(setReplicas(h.statefulSet("db"), 1))
		h.settle()
		h.put(setReplicas(h.statefulSet("db"), 3))
		h.settle()
		for _, p := range h.podsOf(h.statefulSet("db")) {
			if p.Spec.NodeName != first[p.Name] || (p.Name != "db-0" && p.Annotations[api.AnnotationVolumeNode] != first[p.Name]) {
				t.Errorf("%s: got node %s pin %q, want back on %s", p.Name, p.Spec.NodeName, p.Annotations[api.AnnotationVolumeNode], first[p.Name])
			}
		}
	})

	t.Run("annotation dropped by an apply is rebuilt from pods", func(t *testing.T) {
		ss := api.DeepCopy(h.statefulSet("db"))
		delete(ss.Annotations, api.AnnotationVolumeNodes)
		h.put(ss)
		h.settle()
		var got map[string]string
		_ = json.Unmarshal([]byte(h.statefulSet("db").Annotations[api.AnnotationVolumeNodes]), &got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("rebuilt annotation (-want +got):\n%s", diff)
		}
	})
}

func TestStatefulSetNodeLoss(t *testing.T) {
	tests := []struct {
		name   string
		claims bool
	}{
		{"with volumes: waits for the node", true},
		{"without volumes: moves", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t).withNodes(3)
			h.put(newStatefulSet("db", 3, "v1", tt.claims))
			h.settle()
			lost := h.podsOf(h.statefulSet("db"))[1]
			failedAt := h.now
			h.failNode(lost.Spec.NodeName)
			for _, at := range []time.Duration{0, 5 * time.Second, 9 * time.Second, 11 * time.Second} {
				h.now = failedAt.Add(at)
				h.settle()
				if p := h.get(api.KeyOf(lost)).(*api.Pod); p.UID != lost.UID {
					t.Fatalf("after %s: %s was replaced before FenceAfter+FenceMargin", at, lost.Name)
				}
			}
			h.advance(time.Second) // 12 s: the agent has fenced itself, with the margin
			h.settle()
			p, ok := h.get(api.KeyOf(lost)).(*api.Pod)
			if !ok || p.UID == lost.UID {
				t.Fatalf("after FenceAfter: got %v, want a new %s", p, lost.Name)
			}
			if tt.claims {
				if p.Spec.NodeName != "" || p.Annotations[api.AnnotationVolumeNode] != lost.Spec.NodeName {
					t.Errorf("got node %q pin %q, want Pending, pinned to %s", p.Spec.NodeName, p.Annotations[api.AnnotationVolumeNode], lost.Spec.NodeName)
				}
				h.recoverNode(lost.Spec.NodeName)
				h.settle()
				p = h.get(api.KeyOf(lost)).(*api.Pod)
			}
			if p.Status.Phase != api.PodRunning || p.Spec.NodeName == "" {
				t.Errorf("got %s on %q phase %s, want Running", p.Name, p.Spec.NodeName, p.Status.Phase)
			}
		})
	}
}

func TestOrdinalOf(t *testing.T) {
	tests := []struct {
		pod  string
		ord  int
		okay bool
	}{
		{"db-0", 0, true}, {"db-12", 12, true}, {"db-01", 0, false}, {"db-", 0, false},
		{"db-x", 0, false}, {"dbx-1", 0, false}, {"db-1-2", 0, false}, {"db--1", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.pod, func(t *testing.T) {
			ord, ok := ordinalOf("db", tt.pod)
			if ord != tt.ord || ok != tt.okay {
				t.Errorf("got %d, %v, want %d, %v", ord, ok, tt.ord, tt.okay)
			}
		})
	}
}
