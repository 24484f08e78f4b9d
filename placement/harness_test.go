package placement

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

// testCluster builds a Snapshot in memory:
//
//	newCluster().node("a", "2", "4Gi").node("b", "1", "1Gi", zone("z1")).bound(pod("x"), "a")
type testCluster struct {
	nodes []NodeInfo
	pods  []*api.Pod
}

func newCluster() *testCluster { return &testCluster{} }

type nodeOpt func(*NodeInfo)

func label(k, v string) nodeOpt {
	return func(n *NodeInfo) {
		if n.Labels == nil {
			n.Labels = map[string]string{}
		}
		n.Labels[k] = v
	}
}

func zone(z string) nodeOpt {
	return func(n *NodeInfo) { label(ZoneLabel, z)(n); n.Zone = z }
}

func notReadyNode() nodeOpt     { return func(n *NodeInfo) { n.Ready = false } }
func cordonedNode() nodeOpt     { return func(n *NodeInfo) { n.Unschedulable = true } }
func diskPressureNode() nodeOpt { return func(n *NodeInfo) { n.DiskPressure = true } }
func maxPods(k int64) nodeOpt {
	return func(n *NodeInfo) { n.Allocatable.Pods = k }
}
func freeNow(cpu, mem string) nodeOpt {
	return func(n *NodeInfo) {
		n.Free = &Resources{MilliCPU: milli(cpu), Memory: bytes(mem)}
	}
}

// node adds a ready node with cpu and memory allocatable (110 pods).
func (c *testCluster) node(name, cpu, mem string, opts ...nodeOpt) *testCluster {
	n := NodeInfo{Name: name, Ready: true, Allocatable: Resources{MilliCPU: milli(cpu), Memory: bytes(mem), Pods: DefaultMaxPods}}
	for _, o := range opts {
		o(&n)
	}
	c.nodes = append(c.nodes, n)
	return c
}

// bound adds an existing pod bound to node.
func (c *testCluster) bound(p *api.Pod, node string) *testCluster {
	p.Spec.NodeName = node
	c.pods = append(c.pods, p)
	return c
}

func (c *testCluster) snapshot() *Snapshot {
	return &Snapshot{Nodes: c.nodes, Pods: c.pods}
}

func milli(q string) int64 {
	if q == "" {
		return 0
	}
	return api.MustParseQuantity(q).MilliValue()
}

func bytes(q string) int64 {
	if q == "" {
		return 0
	}
	return api.MustParseQuantity(q).Value()
}

type podOpt func(*api.Pod)

// pod returns a pod in namespace default with one container and no
// requests.
func pod(name string, opts ...podOpt) *api.Pod {
	p := &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       api.PodSpec{Containers: []api.Container{{Name: "c", Image: "img"}}},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func requests(cpu, mem string) podOpt {
	return func(p *api.Pod) {
		p.Spec.Containers[0].Resources.Requests = resourceList(cpu, mem)
	}
}

func resourceList(cpu, mem string) api.ResourceList {
	rl := api.ResourceList{}
	if cpu != "" {
		rl[api.ResourceCPU] = api.MustParseQuantity(cpu)
	}
	if mem != "" {
		rl[api.ResourceMemory] = api.MustParseQuantity(mem)
	}
	return rl
}

func ownedBy(kind, name string) podOpt {
	return func(p *api.Pod) {
		yes := true
		p.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: name, UID: "uid-" + name, Controller: &yes}}
	}
}

func selector(kv ...string) podOpt {
	return func(p *api.Pod) {
		p.Spec.NodeSelector = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			p.Spec.NodeSelector[kv[i]] = kv[i+1]
		}
	}
}

func hostPort(port int32) podOpt {
	return func(p *api.Pod) {
		p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, api.ContainerPort{ContainerPort: port, HostPort: port})
	}
}

func volumeOn(node string) podOpt {
	return func(p *api.Pod) {
		if p.Annotations == nil {
			p.Annotations = map[string]string{}
		}
		p.Annotations[api.AnnotationVolumeNode] = node
	}
}

func phase(ph api.PodPhase) podOpt {
	return func(p *api.Pod) { p.Status.Phase = ph }
}

// replicas returns n pods NAME-0..NAME-(n-1) owned by Deployment NAME.
func replicas(name string, n int, opts ...podOpt) []*api.Pod {
	out := make([]*api.Pod, n)
	for i := range out {
		out[i] = pod(fmt.Sprintf("%s-%d", name, i), append([]podOpt{ownedBy("ReplicaSet", name)}, opts...)...)
	}
	return out
}

// placements renders decisions as "pod=node" (or "pod: reason"), one per
// decision, for readable comparisons.
func placements(ds []Decision) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		if d.Node != "" {
			out[i] = d.Pod.Name + "=" + d.Node
		} else {
			out[i] = d.Pod.Name + ": " + d.Reason
		}
	}
	return out
}

// perNode counts placed pods per node, as "a:2 b:1" (nodes in name order).
func perNode(ds []Decision) string {
	counts := map[string]int{}
	for _, d := range ds {
		if d.Node != "" {
			counts[d.Node]++
		}
	}
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s:%d", n, counts[n])
	}
	return strings.Join(parts, " ")
}

// scheduleOne places a single pod and returns its decision.
func scheduleOne(t *testing.T, c *testCluster, p *api.Pod, cfg Config) Decision {
	t.Helper()
	ds := Schedule(c.snapshot(), []*api.Pod{p}, cfg)
	if len(ds) != 1 {
		t.Fatalf("got %d decisions, want 1", len(ds))
	}
	return ds[0]
}
