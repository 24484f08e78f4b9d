package placement

import (
	"testing"

	"github.com/shoal-dev/shoal/api"
)

// TestFilters checks each filter alone: the pod either lands on the only
// node or is refused with that filter's reason.
func TestFilters(t *testing.T) {
	tests := []struct {
		name    string
		cluster *testCluster
		pod     *api.Pod
		want    string // node, or the reason
	}{
		{"fits", newCluster().node("a", "1", "1Gi"), pod("p", requests("1", "1Gi")), "a"},
		{"not ready", newCluster().node("a", "1", "1Gi", notReadyNode()), pod("p"),
			"0/1 nodes are available: 1 node(s) not ready"},
		{"cordoned", newCluster().node("a", "1", "1Gi", cordonedNode()), pod("p"),
			"0/1 nodes are available: 1 node(s) were unschedulable"},
		{"disk pressure", newCluster().node("a", "1", "1Gi", diskPressureNode()), pod("p"),
			"0/1 nodes are available: 1 node(s) had disk pressure"},
		{"disk pressure sends the pod elsewhere", newCluster().node("a", "1", "1Gi", diskPressureNode()).node("b", "1", "1Gi"), pod("p"), "b"},
		{"volume node has disk pressure", newCluster().node("a", "1", "1Gi").node("b", "1", "1Gi", diskPressureNode()), pod("p", volumeOn("b")),
			"0/2 nodes are available: 1 node(s) didn't hold the pod's volume, 1 node(s) had disk pressure"},
		{"not ready wins over cordoned", newCluster().node("a", "1", "1Gi", notReadyNode(), cordonedNode()), pod("p"),
			"0/1 nodes are available: 1 node(s) not ready"},
		{"nodeSelector matches", newCluster().node("a", "1", "1Gi", label("disk", "ssd"), label("x", "y")), pod("p", selector("disk", "ssd")), "a"},
		{"nodeSelector value differs", newCluster().node("a", "1", "1Gi", label("disk", "hdd")), pod("p", selector("disk", "ssd")),
			"0/1 nodes are available: 1 node(s) didn't match nodeSelector"},
		{"nodeSelector label missing", newCluster().node("a", "1", "1Gi"), pod("p", selector("disk", "")),
			"0/1 nodes are available: 1 node(s) didn't match nodeSelector"},
		{"nodeSelector needs every label", newCluster().node("a", "1", "1Gi", label("disk", "ssd")), pod("p", selector("disk", "ssd", "gpu", "yes")),
			"0/1 nodes are available: 1 node(s) didn't match nodeSelector"},
		{"insufficient cpu", newCluster().node("a", "1", "1Gi"), pod("p", requests("1001m", "")),
			"0/1 nodes are available: 1 insufficient cpu"},
		{"insufficient memory", newCluster().node("a", "1", "1Gi"), pod("p", requests("", "1025Mi")),
			"0/1 nodes are available: 1 insufficient memory"},
		{"cpu is checked before memory", newCluster().node("a", "1", "1Gi"), pod("p", requests("2", "2Gi")),
			"0/1 nodes are available: 1 insufficient cpu"},
		{"existing pods use resources", newCluster().node("a", "1", "1Gi").bound(pod("old", requests("600m", "")), "a"), pod("p", requests("500m", "")),
			"0/1 nodes are available: 1 insufficient cpu"},
		{"finished pods free their resources", newCluster().node("a", "1", "1Gi").bound(pod("old", requests("1", "1Gi"), phase(api.PodSucceeded)), "a"), pod("p", requests("1", "1Gi")), "a"},
		{"zero request fits an over-committed node", newCluster().node("a", "1", "1Gi").bound(pod("old", requests("2", "2Gi")), "a"), pod("p"), "a"},
		{"too many pods", newCluster().node("a", "1", "1Gi", maxPods(1)).bound(pod("old"), "a"), pod("p"),
			"0/1 nodes are available: 1 too many pods"},
		{"zero allocatable pods", newCluster().node("a", "1", "1Gi", maxPods(0)), pod("p"),
			"0/1 nodes are available: 1 too many pods"},
		{"host port taken", newCluster().node("a", "1", "1Gi").bound(pod("old", hostPort(80)), "a"), pod("p", hostPort(80)),
			"0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports"},
		{"other host port free", newCluster().node("a", "1", "1Gi").bound(pod("old", hostPort(80)), "a"), pod("p", hostPort(81)), "a"},
		{"same port, other protocol", newCluster().node("a", "1", "1Gi").bound(pod("old", hostPort(53)), "a"), pod("p", func(p *api.Pod) {
			p.Spec.Containers[0].Ports = []api.ContainerPort{{ContainerPort: 53, HostPort: 53, Protocol: api.ProtocolUDP}}
		}), "a"},
		{"volume on the node", newCluster().node("a", "1", "1Gi").node("b", "1", "1Gi"), pod("p", volumeOn("b")), "b"},
		{"volume elsewhere", newCluster().node("a", "1", "1Gi"), pod("p", volumeOn("gone")),
			"0/1 nodes are available: 1 node(s) didn't hold the pod's volume"},
		{"volume node is full", newCluster().node("a", "1", "1Gi").node("b", "1", "1Gi"), pod("p", volumeOn("b"), requests("2", "")),
			"0/2 nodes are available: 1 insufficient cpu, 1 node(s) didn't hold the pod's volume"},
		{"volume node does not match the selector", newCluster().node("a", "1", "1Gi", label("disk", "ssd")).node("b", "1", "1Gi"), pod("p", volumeOn("b"), selector("disk", "ssd")),
			"0/2 nodes are available: 1 node(s) didn't hold the pod's volume, 1 node(s) didn't match nodeSelector"},
		{"volume node cordoned", newCluster().node("a", "1", "1Gi").node("b", "1", "1Gi", cordonedNode()), pod("p", volumeOn("b")),
			"0/2 nodes are available: 1 node(s) didn't hold the pod's volume, 1 node(s) were unschedulable"},
		{"gossip reports less free memory", newCluster().node("a", "4", "4Gi", freeNow("4", "512Mi")), pod("p", requests("", "1Gi")),
			"0/1 nodes are available: 1 insufficient memory"},
		{"gossip reports more free than requests leave", newCluster().node("a", "4", "4Gi", freeNow("4", "4Gi")).bound(pod("old", requests("", "3Gi")), "a"), pod("p", requests("", "2Gi")),
			"0/1 nodes are available: 1 insufficient memory"},
		{"no nodes", newCluster(), pod("p"), "0/0 nodes are available: no nodes in the cluster"},
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
			if d.Node != "" && d.Reason != "" {
				t.Errorf("placed on %s with reason %q, want no reason", d.Node, d.Reason)
			}
		})
	}
}

// TestReasonCounts checks that an unplaceable pod's reason counts each node
// once, under the first filter that rejects it, largest count first.
func TestReasonCounts(t *testing.T) {
	c := newCluster().
		node("a", "4", "1Gi", label("disk", "ssd")).
		node("b", "4", "1Gi", label("disk", "ssd")).
		node("c", "4", "8Gi").
		node("d", "4", "8Gi", notReadyNode(), label("disk", "ssd")).
		node("e", "1", "8Gi", label("disk", "ssd")).
		node("f", "4", "8Gi", label("disk", "ssd"), maxPods(1)).
		node("g", "4", "8Gi", label("disk", "ssd"), cordonedNode()).
		node("h", "4", "8Gi", label("disk", "ssd")).
		bound(pod("x", hostPort(443)), "f").
		bound(pod("y", hostPort(443)), "h")
	d := scheduleOne(t, c, pod("p", requests("2", "2Gi"), selector("disk", "ssd"), hostPort(443)), Config{})
	want := "0/8 nodes are available: 2 insufficient memory, 2 node(s) didn't have free ports for the requested pod ports, " +
		"1 insufficient cpu, 1 node(s) didn't match nodeSelector, 1 node(s) not ready, 1 node(s) were unschedulable"
	if d.Node != "" || d.Reason != want {
		t.Errorf("got node %q reason %q, want reason %q", d.Node, d.Reason, want)
	}
}

func TestReasonMessage(t *testing.T) {
	tests := []struct {
		name   string
		counts reasonCounts
		nodes  int
		want   string
	}{
		{"one reason", reasonCounts{insufficientMemory: 3}, 3, "0/3 nodes are available: 3 insufficient memory"},
		{"largest first", reasonCounts{insufficientMemory: 2, selectorMismatch: 1}, 3,
			"0/3 nodes are available: 2 insufficient memory, 1 node(s) didn't match nodeSelector"},
		{"ties alphabetical", reasonCounts{tooManyPods: 1, insufficientCPU: 1, notReady: 1}, 3,
			"0/3 nodes are available: 1 insufficient cpu, 1 node(s) not ready, 1 too many pods"},
		{"no nodes", reasonCounts{}, 0, "0/0 nodes are available: no nodes in the cluster"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.counts.message(tt.nodes); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
