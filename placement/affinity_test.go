package placement

import (
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func nodeAffinity(terms ...api.NodeSelectorTerm) podOpt {
	return func(p *api.Pod) {
		p.Spec.Affinity = &api.Affinity{NodeAffinity: &api.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &api.NodeSelector{NodeSelectorTerms: terms},
		}}
	}
}

func expr(key string, op api.NodeSelectorOperator, values ...string) api.NodeSelectorTerm {
	return api.NodeSelectorTerm{MatchExpressions: []api.NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}
}

// TestNodeAffinityFilter checks required node affinity as a static filter.
func TestNodeAffinityFilter(t *testing.T) {
	two := newCluster().node("a", "1", "1Gi", label("disk", "hdd"), label("cores", "4")).node("b", "1", "1Gi", label("disk", "ssd"), label("cores", "16"))
	tests := []struct {
		name    string
		cluster *testCluster
		pod     *api.Pod
		want    string // node, or the reason
	}{
		{"In", two, pod("p", nodeAffinity(expr("disk", api.NodeSelectorOpIn, "ssd", "nvme"))), "b"},
		{"NotIn", two, pod("p", nodeAffinity(expr("disk", api.NodeSelectorOpNotIn, "ssd"))), "a"},
		{"Exists", newCluster().node("a", "1", "1Gi").node("b", "1", "1Gi", label("gpu", "")), pod("p", nodeAffinity(expr("gpu", api.NodeSelectorOpExists))), "b"},
		{"DoesNotExist", newCluster().node("a", "1", "1Gi").node("b", "1", "1Gi", label("gpu", "")), pod("p", nodeAffinity(expr("gpu", api.NodeSelectorOpDoesNotExist))), "a"},
		{"Gt", two, pod("p", nodeAffinity(expr("cores", api.NodeSelectorOpGt, "8"))), "b"},
		{"Lt", two, pod("p", nodeAffinity(expr("cores", api.NodeSelectorOpLt, "8"))), "a"},
		{"matchFields metadata.name", two, pod("p", nodeAffinity(api.NodeSelectorTerm{MatchFields: []api.NodeSelectorRequirement{{Key: api.NodeFieldName, Operator: api.NodeSelectorOpIn, Values: []string{"a"}}}})), "a"},
		{"terms are ORed", two, pod("p", nodeAffinity(expr("disk", api.NodeSelectorOpIn, "nvme"), expr("cores", api.NodeSelectorOpGt, "8"))), "b"},
		{"requirements of a term are ANDed", two, pod("p", nodeAffinity(api.NodeSelectorTerm{MatchExpressions: []api.NodeSelectorRequirement{
			{Key: "disk", Operator: api.NodeSelectorOpIn, Values: []string{"ssd"}}, {Key: "cores", Operator: api.NodeSelectorOpLt, Values: []string{"8"}}}})),
			"0/2 nodes are available: 2 node(s) didn't match Pod's node affinity"},
		{"no node matches", two, pod("p", nodeAffinity(expr("disk", api.NodeSelectorOpIn, "nvme"))),
			"0/2 nodes are available: 2 node(s) didn't match Pod's node affinity"},
		{"nodeSelector is counted first", two, pod("p", selector("disk", "ssd"), nodeAffinity(expr("disk", api.NodeSelectorOpIn, "hdd"))),
			"0/2 nodes are available: 1 node(s) didn't match Pod's node affinity, 1 node(s) didn't match nodeSelector"},
		{"volume node must match", two, pod("p", volumeOn("a"), nodeAffinity(expr("disk", api.NodeSelectorOpIn, "ssd"))),
			"0/2 nodes are available: 1 node(s) didn't hold the pod's volume, 1 node(s) didn't match Pod's node affinity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := scheduleOne(t, tt.cluster, tt.pod, Config{})
			got := d.Node
			if got == "" {
				got = d.Reason
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestNodeAffinityClasses: pods with different affinities in one batch do
// not share a class (nor a failed shape).
func TestNodeAffinityClasses(t *testing.T) {
	c := newCluster().node("a", "1", "1Gi", label("disk", "hdd")).node("b", "1", "1Gi", label("disk", "ssd"))
	pods := []*api.Pod{
		pod("p1", nodeAffinity(expr("disk", api.NodeSelectorOpIn, "nvme"))),
		pod("p2", nodeAffinity(expr("disk", api.NodeSelectorOpIn, "ssd"))),
		pod("p3", nodeAffinity(expr("disk", api.NodeSelectorOpIn, "hdd"))),
	}
	got := placements(Schedule(c.snapshot(), pods, Config{}))
	want := []string{"p1: 0/2 nodes are available: 2 node(s) didn't match Pod's node affinity", "p2=b", "p3=a"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("decision %d: got %q, want %q", i, got[i], want[i])
		}
	}
}
