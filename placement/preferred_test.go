package placement

import (
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func prefer(weight int32, key string, values ...string) podOpt {
	return func(p *api.Pod) {
		if p.Spec.Affinity == nil {
			p.Spec.Affinity = &api.Affinity{}
		}
		if p.Spec.Affinity.NodeAffinity == nil {
			p.Spec.Affinity.NodeAffinity = &api.NodeAffinity{}
		}
		na := p.Spec.Affinity.NodeAffinity
		na.PreferredDuringSchedulingIgnoredDuringExecution = append(na.PreferredDuringSchedulingIgnoredDuringExecution,
			api.PreferredSchedulingTerm{Weight: weight, Preference: expr(key, api.NodeSelectorOpIn, values...)})
	}
}

func preferAvoid(key, app string) podOpt {
	return func(p *api.Pod) {
		if p.Spec.Affinity == nil {
			p.Spec.Affinity = &api.Affinity{}
		}
		p.Spec.Affinity.PodAntiAffinity = &api.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []api.WeightedPodAffinityTerm{{
			Weight:          100,
			PodAffinityTerm: api.PodAffinityTerm{LabelSelector: &api.LabelSelector{MatchLabels: map[string]string{"app": app}}, TopologyKey: key},
		}}}
	}
}

func preferNear(key, app string) podOpt {
	return func(p *api.Pod) {
		if p.Spec.Affinity == nil {
			p.Spec.Affinity = &api.Affinity{}
		}
		p.Spec.Affinity.PodAffinity = &api.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []api.WeightedPodAffinityTerm{{
			Weight:          100,
			PodAffinityTerm: api.PodAffinityTerm{LabelSelector: &api.LabelSelector{MatchLabels: map[string]string{"app": app}}, TopologyKey: key},
		}}}
	}
}

func TestPreferredNodeAffinity(t *testing.T) {
	three := func() *testCluster {
		return newCluster().node("a", "2", "4Gi", label("disk", "hdd")).node("b", "1", "4Gi", label("disk", "ssd")).node("c", "4", "4Gi", label("disk", "ssd"), label("gpu", "yes"))
	}
	tests := []struct {
		name string
		pods []*api.Pod
		want string // perNode
	}{
		{"preferred nodes first, against spread", replicas("web", 3, prefer(10, "disk", "ssd")), "b:1 c:2"},
		{"highest total weight first", replicas("web", 2, prefer(10, "disk", "ssd"), prefer(50, "gpu", "yes")), "c:2"},
		{"heavier term wins", replicas("web", 2, prefer(80, "disk", "hdd"), prefer(50, "gpu", "yes")), "a:2"},
		{"others once the preferred are full", replicas("web", 4, requests("1", ""), prefer(50, "gpu", "yes")), "c:4"},
		{"others once the preferred are full, then the rest", replicas("web", 6, requests("1", ""), prefer(50, "gpu", "yes")), "a:1 b:1 c:4"},
		{"no node matches: spread as usual", replicas("web", 3, prefer(10, "disk", "nvme")), "a:1 b:1 c:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := Schedule(three().snapshot(), tt.pods, Config{})
			if got := perNode(ds); got != tt.want {
				t.Errorf("got %s (%v), want %s", got, placements(ds), tt.want)
			}
		})
	}
}

func TestPreferredPodAntiAffinity(t *testing.T) {
	tests := []struct {
		name    string
		cluster *testCluster
		pods    []*api.Pod
		want    string // perNode
	}{
		{"avoids zones with a selected pod", hostNodes("a1", "a2", "b1").bound(pod("db", appLabel("db")), "a1"),
			[]*api.Pod{pod("p", appLabel("web"), preferAvoid(ZoneLabel, "db"))}, "b1:1"},
		{"placed anyway when every node has one", hostNodes("a1", "b1").bound(pod("db1", appLabel("db")), "a1").bound(pod("db2", appLabel("db")), "b1"),
			[]*api.Pod{pod("p", appLabel("web"), preferAvoid(hostnameKey, "db"))}, "a1:1"},
		{"own replicas one per zone while they can", hostNodes("a1", "a2", "b1", "b2"),
			replicas("web", 3, appLabel("web"), preferAvoid(ZoneLabel, "web")), "a1:1 a2:1 b1:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := Schedule(tt.cluster.snapshot(), tt.pods, Config{})
			if got := perNode(ds); got != tt.want {
				t.Errorf("got %s (%v), want %s", got, placements(ds), tt.want)
			}
		})
	}
}

func TestPreferredPodAffinity(t *testing.T) {
	tests := []struct {
		name    string
		cluster *testCluster
		pods    []*api.Pod
		want    string // perNode
	}{
		{"goes to the zone of a selected pod", hostNodes("a1", "b1", "b2").bound(pod("cache", appLabel("cache"), requests("2", "")), "b2"),
			[]*api.Pod{pod("p", appLabel("web"), preferNear(ZoneLabel, "cache"))}, "b1:1"},
		{"onto the node of a selected pod", hostNodes("a1", "b1", "c1").bound(pod("cache", appLabel("cache")), "c1"),
			[]*api.Pod{pod("p", appLabel("web"), preferNear(hostnameKey, "cache"))}, "c1:1"},
		{"anywhere when no pod is selected", hostNodes("a1", "b1"),
			[]*api.Pod{pod("p", appLabel("web"), preferNear(hostnameKey, "cache"))}, "a1:1"},
		{"elsewhere when the preferred node is full", hostNodes("a1", "b1").bound(pod("cache", appLabel("cache"), requests("4", "")), "b1"),
			[]*api.Pod{pod("p", appLabel("web"), requests("1", ""), preferNear(hostnameKey, "cache"))}, "a1:1"},
		{"own replicas together while they fit", hostNodes("a1", "b1", "c1"),
			replicas("web", 3, appLabel("web"), preferNear(hostnameKey, "web")), "a1:3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := Schedule(tt.cluster.snapshot(), tt.pods, Config{})
			if got := perNode(ds); got != tt.want {
				t.Errorf("got %s (%v), want %s", got, placements(ds), tt.want)
			}
		})
	}
}
