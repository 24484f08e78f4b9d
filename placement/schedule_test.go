package placement

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shoal-dev/shoal/api"
)

// TestBatch checks that each placement in a batch is seen by the next pod.
func TestBatch(t *testing.T) {
	three := func() *testCluster {
		return newCluster().node("a", "4", "4Gi").node("b", "4", "4Gi").node("c", "4", "4Gi")
	}
	tests := []struct {
		name     string
		cluster  *testCluster
		pods     []*api.Pod
		strategy Strategy
		want     string // pods per node
	}{
		{"replicas spread one per node", three(), replicas("web", 3), Spread, "a:1 b:1 c:1"},
		{"six replicas, two per node", three(), replicas("web", 6), Spread, "a:2 b:2 c:2"},
		{"spread counts existing replicas", three().bound(pod("old-0", ownedBy("ReplicaSet", "web")), "a").bound(pod("old-1", ownedBy("ReplicaSet", "web")), "a"),
			replicas("web", 4), Spread, "b:2 c:2"},
		{"ownerless pods go to the least allocated", three(), []*api.Pod{pod("x", requests("1", "")), pod("y", requests("1", "")), pod("z", requests("1", ""))}, Spread, "a:1 b:1 c:1"},
		{"binpack fills one node first", three(), []*api.Pod{pod("p0", requests("1", "")), pod("p1", requests("1", "")), pod("p2", requests("1", "")), pod("p3", requests("1", "")), pod("p4", requests("1", ""))}, Binpack, "a:4 b:1"},
		{"resources run out within the batch", newCluster().node("a", "1", "1Gi").node("b", "2", "1Gi"), replicas("web", 4, requests("1", "")), Spread, "a:1 b:2"},
		{"host ports conflict within the batch", three(), replicas("web", 5, hostPort(8080)), Spread, "a:1 b:1 c:1"},
		{"a Terminating pod's resources stay taken until it is gone", newCluster().node("a", "2", "1Gi").node("b", "2", "1Gi").bound(pod("old", requests("2", ""), terminating), "a"),
			replicas("web", 2, requests("1", "")), Spread, "b:2"},
		{"pod count runs out within the batch", newCluster().node("a", "4", "4Gi", maxPods(2)).node("b", "4", "4Gi", maxPods(1)), replicas("web", 4), Spread, "a:2 b:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := Schedule(tt.cluster.snapshot(), tt.pods, Config{Strategy: tt.strategy})
			if got := perNode(ds); got != tt.want {
				t.Errorf("got %s, want %s\n%v", got, tt.want, placements(ds))
			}
		})
	}
}

func TestZoneSpread(t *testing.T) {
	c := newCluster().
		node("a1", "4", "4Gi", zone("a")).node("a2", "4", "4Gi", zone("a")).node("a3", "4", "4Gi", zone("a")).
		node("b1", "4", "4Gi", zone("b")).
		node("c1", "4", "4Gi", zone("c")).node("c2", "4", "4Gi", zone("c"))
	ds := Schedule(c.snapshot(), replicas("web", 3), Config{})
	zones := map[string]int{}
	for _, d := range ds {
		zones[d.Node[:1]]++
	}
	if want := map[string]int{"a": 1, "b": 1, "c": 1}; !cmp.Equal(zones, want) {
		t.Errorf("got pods per zone %v, want %v (%v)", zones, want, placements(ds))
	}
	// Six replicas: one per node, so zone a gets three.
	ds = Schedule(c.snapshot(), replicas("web", 6), Config{})
	if got, want := perNode(ds), "a1:1 a2:1 a3:1 b1:1 c1:1 c2:1"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestVolumePin(t *testing.T) {
	c := newCluster().node("a", "4", "4Gi").node("b", "4", "4Gi").node("c", "4", "4Gi").
		bound(pod("db-0", ownedBy("StatefulSet", "db")), "c")
	pods := []*api.Pod{
		pod("db-1", ownedBy("StatefulSet", "db"), volumeOn("c")),       // back to c despite spread
		pod("db-2", ownedBy("StatefulSet", "db"), volumeOn("b")),       // to b
		pod("db-3", ownedBy("StatefulSet", "db"), volumeOn("missing")), // its node is gone
		pod("db-4", ownedBy("StatefulSet", "db")),                      // no volume yet: spread, so a
	}
	got := placements(Schedule(c.snapshot(), pods, Config{}))
	want := []string{
		"db-1=c",
		"db-2=b",
		"db-3: 0/3 nodes are available: 3 node(s) didn't hold the pod's volume",
		"db-4=a",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("placements (-want +got):\n%s", diff)
	}
}

func TestUnplaceableInBatch(t *testing.T) {
	c := newCluster().node("a", "1", "1Gi").node("b", "1", "1Gi", label("disk", "ssd")).node("c", "1", "512Mi", label("disk", "ssd"))
	pods := []*api.Pod{
		pod("p0", requests("", "768Mi"), selector("disk", "ssd")),
		pod("p1", requests("", "768Mi"), selector("disk", "ssd")),
		pod("p2", requests("", "768Mi"), selector("disk", "ssd")), // same shape as p1: same reason
		pod("p3", requests("", "768Mi")),
		pod("p4", requests("", "768Mi")),
	}
	got := placements(Schedule(c.snapshot(), pods, Config{}))
	want := []string{
		"p0=b",
		"p1: 0/3 nodes are available: 2 insufficient memory, 1 node(s) didn't match nodeSelector",
		"p2: 0/3 nodes are available: 2 insufficient memory, 1 node(s) didn't match nodeSelector",
		"p3=a",
		"p4: 0/3 nodes are available: 3 insufficient memory",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("placements (-want +got):\n%s", diff)
	}
}

// TestDeterministic checks that the order of the snapshot's nodes and pods
// does not matter and that Schedule does not modify its input.
func TestDeterministic(t *testing.T) {
	c := newCluster()
	for i := range 12 {
		c.node(fmt.Sprintf("n%02d", i), "2", "2Gi", zone(fmt.Sprintf("z%d", i%3)))
	}
	for i := range 6 {
		c.bound(pod(fmt.Sprintf("old-%d", i), ownedBy("ReplicaSet", "web"), requests("500m", "")), fmt.Sprintf("n%02d", i*2))
	}
	var pending []*api.Pod
	pending = append(pending, replicas("web", 10, requests("300m", "100Mi"))...)
	pending = append(pending, replicas("db", 7, requests("1", "1Gi"))...)
	pending = append(pending, pod("lone", requests("1500m", "")))
	snap := c.snapshot()
	before := api.DeepCopy(pending[0])
	want := Schedule(snap, pending, Config{})

	reversed := &Snapshot{Nodes: slices.Clone(snap.Nodes), Pods: slices.Clone(snap.Pods)}
	slices.Reverse(reversed.Nodes)
	slices.Reverse(reversed.Pods)
	if diff := cmp.Diff(want, Schedule(reversed, pending, Config{})); diff != "" {
		t.Errorf("reversed snapshot (-first +reversed):\n%s", diff)
	}
	if diff := cmp.Diff(want, Schedule(snap, pending, Config{})); diff != "" {
		t.Errorf("second run (-first +second):\n%s", diff)
	}
	if diff := cmp.Diff(before, pending[0]); diff != "" {
		t.Errorf("pending pod modified (-before +after):\n%s", diff)
	}
	for _, p := range snap.Pods {
		if p.Spec.NodeName == "" {
			t.Errorf("existing pod %s lost its node", p.Name)
		}
	}
	for i, d := range want {
		if d.Pod != api.KeyOf(pending[i]) {
			t.Errorf("decision %d is for %v, want %v", i, d.Pod, api.KeyOf(pending[i]))
		}
	}
}

func TestScheduleEdges(t *testing.T) {
	t.Run("nil snapshot", func(t *testing.T) {
		ds := Schedule(nil, []*api.Pod{pod("p")}, Config{})
		if len(ds) != 1 || ds[0].Reason != "0/0 nodes are available: no nodes in the cluster" {
			t.Errorf("got %+v, want one unplaceable decision", ds)
		}
	})
	t.Run("nil pods are skipped", func(t *testing.T) {
		ds := Schedule(newCluster().node("a", "1", "1Gi").snapshot(), []*api.Pod{nil, pod("p"), nil}, Config{})
		if got := placements(ds); !cmp.Equal(got, []string{"p=a"}) {
			t.Errorf("got %v, want [p=a]", got)
		}
	})
	t.Run("duplicate node names count once", func(t *testing.T) {
		c := newCluster().node("a", "1", "1Gi").node("a", "8", "8Gi")
		d := scheduleOne(t, c, pod("p", requests("2", "")), Config{})
		if want := "0/1 nodes are available: 1 insufficient cpu"; d.Reason != want {
			t.Errorf("got %q, want %q", d.Reason, want)
		}
	})
	t.Run("nodes without a name are ignored", func(t *testing.T) {
		d := scheduleOne(t, newCluster().node("", "1", "1Gi"), pod("p"), Config{})
		if want := "0/0 nodes are available: no nodes in the cluster"; d.Node != "" || d.Reason != want {
			t.Errorf("got %+v, want reason %q", d, want)
		}
	})
	t.Run("pods bound to unknown nodes are ignored", func(t *testing.T) {
		c := newCluster().node("a", "1", "1Gi").bound(pod("x", requests("1", "")), "gone")
		if d := scheduleOne(t, c, pod("p", requests("1", "")), Config{}); d.Node != "a" {
			t.Errorf("got %+v, want node a", d)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	for _, s := range []Strategy{"", Spread, Binpack} {
		if err := (Config{Strategy: s}).Validate(); err != nil {
			t.Errorf("strategy %q: got %v, want nil", s, err)
		}
	}
	err := Config{Strategy: "random"}.Validate()
	if want := `placement strategy "random": want spread or binpack`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestPodScheduledCondition(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		d    Decision
		want api.PodCondition
	}{
		{"placed", Decision{Node: "a"}, api.PodCondition{Type: api.PodScheduled, Status: api.ConditionTrue, LastTransitionTime: &now}},
		{"unplaceable", Decision{Reason: "0/1 nodes are available: 1 insufficient cpu"}, api.PodCondition{
			Type: api.PodScheduled, Status: api.ConditionFalse, Reason: "Unschedulable",
			Message: "0/1 nodes are available: 1 insufficient cpu", LastTransitionTime: &now,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, PodScheduledCondition(tt.d, now)); diff != "" {
				t.Errorf("condition (-want +got):\n%s", diff)
			}
		})
	}
}

// terminating marks a pod Terminating (deleted, its node stopping it).
func terminating(p *api.Pod) {
	ts := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	p.DeletionTimestamp = &ts
}
