package placement

import (
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func spreadOver(key string, skew int32, action api.UnsatisfiableConstraintAction, app string, minDomains int32) podOpt {
	return func(p *api.Pod) {
		c := api.TopologySpreadConstraint{
			MaxSkew: skew, TopologyKey: key, WhenUnsatisfiable: action,
			LabelSelector: &api.LabelSelector{MatchLabels: map[string]string{"app": app}},
		}
		if minDomains > 0 {
			c.MinDomains = &minDomains
		}
		p.Spec.TopologySpreadConstraints = append(p.Spec.TopologySpreadConstraints, c)
	}
}

func TestTopologySpread(t *testing.T) {
	// Zones z-a (a1, a2, a3) and z-b (b1): node spread alone would put 3
	// of 4 replicas in z-a.
	zones := func() *testCluster { return hostNodes("a1", "a2", "a3", "b1") }
	tests := []struct {
		name    string
		cluster *testCluster
		pods    []*api.Pod
		want    []string // perNode, then reasons of unplaced pods
	}{
		{"zones even within maxSkew 1", zones(),
			replicas("web", 4, appLabel("web"), spreadOver(ZoneLabel, 1, api.DoNotSchedule, "web", 0)),
			[]string{"a1:1 a3:1 b1:2"}},
		{"existing pods count", zones().bound(pod("old", appLabel("web")), "b1"),
			replicas("web", 1, appLabel("web"), spreadOver(ZoneLabel, 1, api.DoNotSchedule, "web", 0)),
			[]string{"a3:1"}},
		{"skew already at max: Pending", hostNodes("a1", "b1").bound(pod("o1", appLabel("web"), requests("4", "")), "a1").bound(pod("o2", appLabel("web")), "b1").bound(pod("o3", appLabel("web")), "b1"),
			replicas("web", 1, appLabel("web"), requests("1", ""), spreadOver(ZoneLabel, 1, api.DoNotSchedule, "web", 0)),
			[]string{"", "0/2 nodes are available: 1 insufficient cpu, 1 node(s) didn't match pod topology spread constraints"}},
		{"ScheduleAnyway places it anyway", hostNodes("a1", "b1").bound(pod("o1", appLabel("web"), requests("4", "")), "a1").bound(pod("o2", appLabel("web")), "b1").bound(pod("o3", appLabel("web")), "b1"),
			replicas("web", 1, appLabel("web"), requests("1", ""), spreadOver(ZoneLabel, 1, api.ScheduleAnyway, "web", 0)),
			[]string{"b1:1"}},
		{"ScheduleAnyway spreads while it can", zones(),
			replicas("web", 4, appLabel("web"), spreadOver(ZoneLabel, 1, api.ScheduleAnyway, "web", 0)),
			[]string{"a1:1 a3:1 b1:2"}},
		{"node without the key is not a candidate", newCluster().node("x", "4", "4Gi"),
			[]*api.Pod{pod("p", appLabel("web"), spreadOver(ZoneLabel, 1, api.DoNotSchedule, "web", 0))},
			[]string{"", "0/1 nodes are available: 1 node(s) didn't match pod topology spread constraints"}},
		{"minDomains: one domain holds at most maxSkew", hostNodes("a1", "a2"),
			replicas("web", 3, appLabel("web"), spreadOver(ZoneLabel, 2, api.DoNotSchedule, "web", 2)),
			[]string{"a1:1 a2:1", "0/2 nodes are available: 2 node(s) didn't match pod topology spread constraints"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := Schedule(tt.cluster.snapshot(), tt.pods, Config{})
			got := []string{perNode(ds)}
			for _, d := range ds {
				if d.Node == "" {
					got = append(got, d.Reason)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("got %q, want %q", got[i], tt.want[i])
				}
			}
		})
	}
}
