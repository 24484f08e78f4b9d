package placement

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

// TestSpreadManyReplicas places owners with many replicas per node and
// checks that nodes, and zones of equal size, are within one of even.
func TestSpreadManyReplicas(t *testing.T) {
	tests := []struct {
		nodes, zones, replicas int
		strategy               Strategy
	}{
		{7, 1, 50, Spread},
		{40, 2, 100, Spread},
		{40, 2, 100, Binpack},
		{300, 3, 1000, Spread},
		{150, 150, 400, Spread},
		{200, 10, 190, Spread},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d replicas on %d nodes in %d zones, %s", tt.replicas, tt.nodes, tt.zones, tt.strategy), func(t *testing.T) {
			c := newCluster()
			for i := range tt.nodes {
				c.node(fmt.Sprintf("n%03d", i), "64", "256Gi", zone(fmt.Sprintf("z%03d", i%tt.zones)))
			}
			// A second owner interleaved, so owners share nodes.
			var pending []*api.Pod
			web, db := replicas("web", tt.replicas, requests("100m", "64Mi")), replicas("db", tt.replicas/2, requests("200m", "1Gi"))
			for i, p := range web {
				pending = append(pending, p)
				if i%2 == 1 {
					pending = append(pending, db[i/2])
				}
			}
			ds := Schedule(c.snapshot(), pending, Config{Strategy: tt.strategy})
			zoneOf := func(node string) string {
				var i int
				fmt.Sscanf(node, "n%d", &i)
				return fmt.Sprintf("z%03d", i%tt.zones)
			}
			for _, owner := range []string{"web", "db"} {
				perNode, perZone := map[string]int{}, map[string]int{}
				for _, d := range ds {
					if d.Node == "" {
						t.Fatalf("pod %s unplaceable: %s", d.Pod.Name, d.Reason)
					}
					if strings.HasPrefix(d.Pod.Name, owner+"-") {
						perNode[d.Node]++
						perZone[zoneOf(d.Node)]++
					}
				}
				checkEven(t, owner+" per node", perNode, tt.nodes)
				checkEven(t, owner+" per zone", perZone, tt.zones)
			}
		})
	}
}

// checkEven checks that counts over n keys (missing keys count 0) differ
// by at most one.
func checkEven(t *testing.T, what string, counts map[string]int, n int) {
	t.Helper()
	lo, hi := -1, 0
	for _, c := range counts {
		hi = max(hi, c)
		if lo < 0 || c < lo {
			lo = c
		}
	}
	if len(counts) < n {
		lo = 0
	}
	if hi-lo > 1 {
		t.Errorf("%s: got counts from %d to %d, want within one of even", what, lo, hi)
	}
}

// TestSpreadAcrossSelectors checks that an owner whose pods change
// nodeSelector (a StatefulSet mid-rollout) is spread as one owner.
func TestSpreadAcrossSelectors(t *testing.T) {
	c := newCluster()
	for i, n := range []string{"a", "b", "c"} {
		c.node(n, "8", "8Gi", label("disk", "ssd"), zone(fmt.Sprintf("z%d", i%2)))
	}
	for i, n := range []string{"d", "e", "f"} {
		c.node(n, "8", "8Gi", label("disk", "hdd"), zone(fmt.Sprintf("z%d", i%2)))
	}
	var pending []*api.Pod
	pending = append(pending, replicas("db", 6)...)
	for i := range 3 {
		pending = append(pending, pod(fmt.Sprintf("db-ssd-%d", i), ownedBy("ReplicaSet", "db"), selector("disk", "ssd")))
	}
	for i := range 3 {
		pending = append(pending, pod(fmt.Sprintf("db-any-%d", i), ownedBy("ReplicaSet", "db")))
	}
	ds := Schedule(c.snapshot(), pending, Config{})
	if got, want := perNode(ds), "a:2 b:2 c:2 d:2 e:2 f:2"; got != want {
		t.Errorf("got %s, want %s\n%v", got, want, placements(ds))
	}
	for _, d := range ds[6:9] {
		if d.Node > "c" {
			t.Errorf("pod %s with selector disk=ssd went to %s", d.Pod.Name, d.Node)
		}
	}
}
