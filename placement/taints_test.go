package placement

import (
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func taint(key, value string, effect api.TaintEffect) nodeOpt {
	return func(n *NodeInfo) {
		n.Taints = append(n.Taints, api.Taint{Key: key, Value: value, Effect: effect})
	}
}

func tolerate(key string, op api.TolerationOperator, value string, effect api.TaintEffect) podOpt {
	return func(p *api.Pod) {
		p.Spec.Tolerations = append(p.Spec.Tolerations, api.Toleration{Key: key, Operator: op, Value: value, Effect: effect})
	}
}

// TestTaintFilter checks the NoSchedule/NoExecute filter alone, as the
// other filters are checked in TestFilters.
func TestTaintFilter(t *testing.T) {
	gpu := taint("dedicated", "gpu", api.TaintNoSchedule)
	tests := []struct {
		name    string
		cluster *testCluster
		pod     *api.Pod
		want    string // node, or the reason
	}{
		{"NoSchedule keeps an intolerant pod off", newCluster().node("a", "1", "1Gi", gpu), pod("p"),
			"0/1 nodes are available: 1 node(s) had untolerated taint(s)"},
		{"NoExecute keeps an intolerant pod off", newCluster().node("a", "1", "1Gi", taint("x", "", api.TaintNoExecute)), pod("p"),
			"0/1 nodes are available: 1 node(s) had untolerated taint(s)"},
		{"NoSchedule sends the pod elsewhere", newCluster().node("a", "1", "1Gi", gpu).node("b", "1", "1Gi"), pod("p"), "b"},
		{"Equal toleration", newCluster().node("a", "1", "1Gi", gpu), pod("p", tolerate("dedicated", api.TolerationEqual, "gpu", api.TaintNoSchedule)), "a"},
		{"Equal toleration, other value", newCluster().node("a", "1", "1Gi", gpu), pod("p", tolerate("dedicated", api.TolerationEqual, "cpu", "")),
			"0/1 nodes are available: 1 node(s) had untolerated taint(s)"},
		{"Exists toleration of the key", newCluster().node("a", "1", "1Gi", gpu), pod("p", tolerate("dedicated", api.TolerationExists, "", "")), "a"},
		{"Exists toleration of everything", newCluster().node("a", "1", "1Gi", gpu, taint("x", "", api.TaintNoExecute)), pod("p", tolerate("", api.TolerationExists, "", "")), "a"},
		{"toleration of another effect", newCluster().node("a", "1", "1Gi", gpu), pod("p", tolerate("dedicated", api.TolerationExists, "", api.TaintNoExecute)),
			"0/1 nodes are available: 1 node(s) had untolerated taint(s)"},
		{"every taint must be tolerated", newCluster().node("a", "1", "1Gi", gpu, taint("x", "", api.TaintNoExecute)), pod("p", tolerate("dedicated", api.TolerationExists, "", "")),
			"0/1 nodes are available: 1 node(s) had untolerated taint(s)"},
		{"PreferNoSchedule alone does not keep a pod off", newCluster().node("a", "1", "1Gi", taint("soft", "", api.TaintPreferNoSchedule)), pod("p"), "a"},
		{"selector is counted before taints", newCluster().node("a", "1", "1Gi", gpu).node("b", "1", "1Gi", label("disk", "ssd"), gpu), pod("p", selector("disk", "ssd")),
			"0/2 nodes are available: 1 node(s) didn't match nodeSelector, 1 node(s) had untolerated taint(s)"},
		{"volume node tainted", newCluster().node("a", "1", "1Gi").node("b", "1", "1Gi", gpu), pod("p", volumeOn("b")),
			"0/2 nodes are available: 1 node(s) didn't hold the pod's volume, 1 node(s) had untolerated taint(s)"},
		{"volume node tainted and tolerated", newCluster().node("a", "1", "1Gi").node("b", "1", "1Gi", gpu), pod("p", volumeOn("b"), tolerate("dedicated", "", "gpu", "")), "b"},
		{"cordon tolerated as the unschedulable taint", newCluster().node("a", "1", "1Gi", cordonedNode()), pod("p", tolerate(api.TaintNodeUnschedulable, api.TolerationExists, "", api.TaintNoSchedule)), "a"},
		{"cordon tolerated, disk pressure still counts", newCluster().node("a", "1", "1Gi", cordonedNode(), diskPressureNode()), pod("p", tolerate("", api.TolerationExists, "", "")),
			"0/1 nodes are available: 1 node(s) had disk pressure"},
		{"cordon tolerated on the volume node", newCluster().node("a", "1", "1Gi").node("b", "1", "1Gi", cordonedNode()), pod("p", volumeOn("b"), tolerate(api.TaintNodeUnschedulable, api.TolerationExists, "", "")), "b"},
		{"cordon not tolerated by another key", newCluster().node("a", "1", "1Gi", cordonedNode()), pod("p", tolerate("other", api.TolerationExists, "", "")),
			"0/1 nodes are available: 1 node(s) were unschedulable"},
		{"tolerated node still needs room", newCluster().node("a", "1", "1Gi", gpu), pod("p", requests("2", ""), tolerate("dedicated", "", "gpu", "")),
			"0/1 nodes are available: 1 insufficient cpu"},
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

// TestPreferNoSchedule checks the score side: nodes with a
// PreferNoSchedule taint the pod does not tolerate are used only once the
// others are full.
func TestPreferNoSchedule(t *testing.T) {
	soft := taint("soft", "", api.TaintPreferNoSchedule)
	tests := []struct {
		name    string
		cluster *testCluster
		pods    []*api.Pod
		want    string // perNode
	}{
		{"untainted nodes first, even against spread", newCluster().node("a", "4", "4Gi", soft).node("b", "4", "4Gi").node("c", "4", "4Gi"),
			replicas("web", 4), "b:2 c:2"},
		{"tainted node once the others are full", newCluster().node("a", "4", "4Gi", soft).node("b", "1", "4Gi"),
			replicas("web", 3, requests("1", "")), "a:2 b:1"},
		{"tolerating pods ignore it", newCluster().node("a", "4", "4Gi", soft).node("b", "4", "4Gi"),
			replicas("web", 2, tolerate("soft", api.TolerationExists, "", api.TaintPreferNoSchedule)), "a:1 b:1"},
		{"every node tainted: spread as usual", newCluster().node("a", "4", "4Gi", soft).node("b", "4", "4Gi", soft),
			replicas("web", 2), "a:1 b:1"},
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

func TestNodeInfoFromTaints(t *testing.T) {
	n := &api.Node{ObjectMeta: api.ObjectMeta{Name: "a"}, Spec: api.NodeSpec{Taints: []api.Taint{{Key: "k", Effect: api.TaintNoSchedule}}}}
	got := NodeInfoFrom(n).Taints
	if len(got) != 1 || got[0].Key != "k" || got[0].Effect != api.TaintNoSchedule {
		t.Errorf("got taints %v, want [k:NoSchedule]", got)
	}
}
