package placement

import (
	"testing"

	"github.com/shoal-dev/shoal/api"
)

const hostnameKey = "kubernetes.io/hostname"

func appLabel(app string) podOpt {
	return func(p *api.Pod) { p.Labels = map[string]string{"app": app} }
}

func avoid(key, app string, namespaces ...string) podOpt {
	return func(p *api.Pod) {
		if p.Spec.Affinity == nil {
			p.Spec.Affinity = &api.Affinity{}
		}
		p.Spec.Affinity.PodAntiAffinity = &api.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []api.PodAffinityTerm{{
			LabelSelector: &api.LabelSelector{MatchLabels: map[string]string{"app": app}},
			Namespaces:    namespaces,
			TopologyKey:   key,
		}}}
	}
}

func inNamespace(ns string) podOpt { return func(p *api.Pod) { p.Namespace = ns } }

func hostNodes(names ...string) *testCluster {
	c := newCluster()
	for _, n := range names {
		c.node(n, "4", "4Gi", label(hostnameKey, n), zone("z-"+n[:1]))
	}
	return c
}

func TestPodAntiAffinity(t *testing.T) {
	tests := []struct {
		name    string
		cluster *testCluster
		pods    []*api.Pod
		want    []string
	}{
		{"one replica per node, the rest Pending", hostNodes("a1", "b1", "c1"),
			replicas("web", 4, appLabel("web"), avoid(hostnameKey, "web")),
			[]string{"web-0=a1", "web-1=b1", "web-2=c1", "web-3: 0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules"}},
		{"existing pods count", hostNodes("a1", "b1").bound(pod("old", appLabel("web")), "a1"),
			[]*api.Pod{pod("p", appLabel("web"), avoid(hostnameKey, "web"))}, []string{"p=b1"}},
		{"other labels do not", hostNodes("a1").bound(pod("old", appLabel("db")), "a1"),
			[]*api.Pod{pod("p", appLabel("web"), avoid(hostnameKey, "web"))}, []string{"p=a1"}},
		{"finished pods do not", hostNodes("a1").bound(pod("old", appLabel("web"), phase(api.PodSucceeded)), "a1"),
			[]*api.Pod{pod("p", appLabel("web"), avoid(hostnameKey, "web"))}, []string{"p=a1"}},
		{"zone domain", hostNodes("a1", "a2", "b1", "b2"),
			replicas("web", 3, appLabel("web"), avoid(ZoneLabel, "web")),
			[]string{"web-0=b1", "web-1=a1", "web-2: 0/4 nodes are available: 4 node(s) didn't match pod anti-affinity rules"}},
		{"node without the key is in no domain", newCluster().node("x", "4", "4Gi").bound(pod("old", appLabel("web")), "x"),
			[]*api.Pod{pod("p", appLabel("web"), avoid(hostnameKey, "web"))}, []string{"p=x"}},
		{"own namespace only by default", hostNodes("a1").bound(pod("old", appLabel("web"), inNamespace("other")), "a1"),
			[]*api.Pod{pod("p", appLabel("web"), avoid(hostnameKey, "web"))}, []string{"p=a1"}},
		{"listed namespaces", hostNodes("a1").bound(pod("old", appLabel("web"), inNamespace("other")), "a1"),
			[]*api.Pod{pod("p", appLabel("web"), avoid(hostnameKey, "web", "other"))},
			[]string{"p: 0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := placements(Schedule(tt.cluster.snapshot(), tt.pods, Config{}))
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("decision %d: got %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func near(key, app string) podOpt {
	return func(p *api.Pod) {
		if p.Spec.Affinity == nil {
			p.Spec.Affinity = &api.Affinity{}
		}
		p.Spec.Affinity.PodAffinity = &api.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []api.PodAffinityTerm{{
			LabelSelector: &api.LabelSelector{MatchLabels: map[string]string{"app": app}},
			TopologyKey:   key,
		}}}
	}
}

func TestPodAffinity(t *testing.T) {
	tests := []struct {
		name    string
		cluster *testCluster
		pods    []*api.Pod
		want    []string
	}{
		{"next to the selected pod", hostNodes("a1", "b1", "c1").bound(pod("db", appLabel("db")), "b1"),
			replicas("web", 2, appLabel("web"), near(hostnameKey, "db")), []string{"web-0=b1", "web-1=b1"}},
		{"same zone", hostNodes("a1", "a2", "b1").bound(pod("db", appLabel("db")), "a2"),
			[]*api.Pod{pod("p", appLabel("web"), near(ZoneLabel, "db"))}, []string{"p=a1"}},
		{"no selected pod anywhere", hostNodes("a1", "b1"),
			[]*api.Pod{pod("p", appLabel("web"), near(hostnameKey, "db"))},
			[]string{"p: 0/2 nodes are available: 2 node(s) didn't match pod affinity rules"}},
		{"first of a group that selects itself", hostNodes("a1", "b1"),
			replicas("web", 3, appLabel("web"), near(hostnameKey, "web")), []string{"web-0=a1", "web-1=a1", "web-2=a1"}},
		{"a pod placed earlier in the batch counts", hostNodes("a1", "b1"),
			[]*api.Pod{pod("db", appLabel("db")), pod("p", appLabel("web"), near(hostnameKey, "db")), pod("q", appLabel("web"), near(hostnameKey, "db"))},
			[]string{"db=a1", "p=a1", "q=a1"}},
		{"selected pod's node full", hostNodes("a1", "b1").bound(pod("db", appLabel("db"), requests("4", "")), "a1"),
			[]*api.Pod{pod("p", appLabel("web"), requests("1", ""), near(hostnameKey, "db"))},
			[]string{"p: 0/2 nodes are available: 1 insufficient cpu, 1 node(s) didn't match pod affinity rules"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := placements(Schedule(tt.cluster.snapshot(), tt.pods, Config{}))
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("decision %d: got %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}
