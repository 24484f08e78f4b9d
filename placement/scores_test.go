package placement

import (
	"fmt"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

// TestScores checks each ranking rule alone on a small cluster.
func TestScores(t *testing.T) {
	web := func(name string, opts ...podOpt) *api.Pod {
		return pod(name, append([]podOpt{ownedBy("ReplicaSet", "web")}, opts...)...)
	}
	tests := []struct {
		name     string
		cluster  *testCluster
		pod      *api.Pod
		strategy Strategy
		want     string
	}{
		{"spread: fewest of the owner's pods",
			newCluster().node("a", "4", "4Gi").node("b", "4", "4Gi").bound(web("w0"), "a"),
			web("w1"), Spread, "b"},
		{"spread: other owners' pods do not count",
			newCluster().node("a", "4", "4Gi").node("b", "4", "4Gi").bound(pod("other", ownedBy("ReplicaSet", "db")), "a").bound(web("w0"), "b"),
			web("w1"), Spread, "a"},
		{"spread: owner spread beats allocation",
			newCluster().node("a", "4", "4Gi").node("b", "4", "4Gi").bound(web("w0"), "a").bound(pod("big", requests("3", "3Gi")), "b"),
			web("w1"), Spread, "b"},
		{"spread: fewest of the owner's pods in the zone",
			newCluster().node("a", "4", "4Gi", zone("z1")).node("b", "4", "4Gi", zone("z1")).node("c", "4", "4Gi", zone("z2")).bound(web("w0"), "a"),
			web("w1"), Spread, "c"},
		{"spread: node count before zone count",
			newCluster().node("a", "4", "4Gi", zone("z1")).node("b", "4", "4Gi", zone("z2")).node("c", "4", "4Gi", zone("z2")).
				bound(web("w0"), "a").bound(web("w1"), "b").bound(web("w2"), "b").bound(web("w3"), "b"),
			web("w4"), Spread, "c"},
		{"spread: zone counts include pods on nodes the selector excludes",
			newCluster().node("a", "4", "4Gi", zone("z1"), label("disk", "ssd")).node("b", "4", "4Gi", zone("z1")).node("c", "4", "4Gi", zone("z2"), label("disk", "ssd")).
				node("d", "4", "4Gi", zone("z2"), label("disk", "ssd")).bound(web("w0"), "b"),
			web("w1", selector("disk", "ssd")), Spread, "c"},
		{"spread: a node with fewer pods in a zone without eligible free nodes",
			newCluster().node("a", "4", "4Gi", zone("z1"), label("disk", "ssd")).node("b", "4", "4Gi", zone("z1")).node("c", "4", "4Gi", zone("z2"), label("disk", "ssd")).
				bound(web("w0"), "b").bound(web("w1"), "c"),
			web("w2", selector("disk", "ssd")), Spread, "a"},
		{"spread: unlabelled nodes form one zone",
			newCluster().node("a", "4", "4Gi").node("b", "4", "4Gi").node("c", "4", "4Gi", zone("z1")).bound(web("w0"), "a"),
			web("w1"), Spread, "c"},
		{"spread: pods without an owner are not spread",
			newCluster().node("a", "4", "4Gi").node("b", "4", "4Gi").bound(pod("x"), "a").bound(pod("x2"), "a").bound(pod("y", requests("100m", "")), "b"),
			pod("z"), Spread, "a"},
		{"least allocated",
			newCluster().node("a", "4", "4Gi").node("b", "4", "4Gi").bound(pod("x", requests("2", "")), "a").bound(pod("y", requests("400m", "")), "b"),
			pod("p", requests("100m", "")), Spread, "b"},
		{"least allocated: dominant share",
			newCluster().node("a", "10", "10Gi").node("b", "10", "10Gi").bound(pod("x", requests("1", "8Gi")), "a").bound(pod("y", requests("5", "5Gi")), "b"),
			pod("p"), Spread, "b"},
		{"least allocated counts the pod itself",
			newCluster().node("a", "1", "10Gi").node("b", "10", "10Gi").bound(pod("y", requests("2", "")), "b"),
			pod("p", requests("500m", "")), Spread, "b"},
		{"binpack: most allocated",
			newCluster().node("a", "4", "4Gi").node("b", "4", "4Gi").bound(pod("x", requests("400m", "")), "a").bound(pod("y", requests("2", "")), "b"),
			pod("p", requests("100m", "")), Binpack, "b"},
		{"binpack: still spreads an owner's pods",
			newCluster().node("a", "4", "4Gi").node("b", "4", "4Gi").bound(web("w0", requests("2", "")), "a"),
			web("w1"), Binpack, "b"},
		{"binpack: ties go to the first node by name",
			newCluster().node("c", "4", "4Gi").node("b", "4", "4Gi").node("a", "4", "4Gi"),
			pod("p"), Binpack, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := scheduleOne(t, tt.cluster, tt.pod, Config{Strategy: tt.strategy})
			if d.Node != tt.want {
				t.Errorf("got node %q (reason %q), want %q", d.Node, d.Reason, tt.want)
			}
		})
	}
}

// TestTieBreakRotates checks that equal nodes are chosen by a hash of the
// pod's name: the same pod always gets the same node, and different pods do
// not all land on the first node.
func TestTieBreakRotates(t *testing.T) {
	c := newCluster()
	for i := range 10 {
		c.node(fmt.Sprintf("n%d", i), "4", "4Gi")
	}
	chosen := map[string]int{}
	for i := range 40 {
		p := pod(fmt.Sprintf("p%d", i))
		first := scheduleOne(t, c, p, Config{}).Node
		if again := scheduleOne(t, c, p, Config{}).Node; again != first {
			t.Fatalf("pod %s: got %s then %s, want the same node", p.Name, first, again)
		}
		chosen[first]++
	}
	if len(chosen) < 5 {
		t.Errorf("got %d distinct nodes for 40 lone pods on 10 equal nodes (%v), want at least 5", len(chosen), chosen)
	}
}

func TestShare(t *testing.T) {
	tests := []struct {
		name  string
		alloc Resources
		used  Resources
		req   Resources
		want  float64
	}{
		{"empty", Resources{MilliCPU: 1000, Memory: 100}, Resources{}, Resources{}, 0},
		{"cpu dominates", Resources{MilliCPU: 1000, Memory: 100}, Resources{MilliCPU: 500, Memory: 10}, Resources{MilliCPU: 250}, 0.75},
		{"memory dominates", Resources{MilliCPU: 1000, Memory: 100}, Resources{MilliCPU: 100}, Resources{Memory: 50}, 0.5},
		{"no allocatable, nothing used", Resources{}, Resources{}, Resources{}, 0},
		{"no allocatable, something requested", Resources{MilliCPU: 1000}, Resources{}, Resources{Memory: 1}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &state{nodes: []NodeInfo{{Allocatable: tt.alloc}}, use: []nodeUse{{free: tt.alloc.Sub(tt.used)}}}
			if got := s.share(0, tt.req); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
