package placement

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/shoal-dev/shoal/api"
)

// claim returns a ReadWriteOnce claim in namespace default of class
// local-path, bound to node (unbound if "").
func claim(name, node string, opts ...func(*api.PersistentVolumeClaim)) *api.PersistentVolumeClaim {
	class := api.StorageClassLocalPath
	c := &api.PersistentVolumeClaim{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       api.PersistentVolumeClaimSpec{AccessModes: []api.PersistentVolumeAccessMode{api.ReadWriteOnce}, StorageClassName: &class},
	}
	if node != "" {
		c.Annotations = map[string]string{api.AnnotationVolumeNode: node}
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

func deletingClaim(c *api.PersistentVolumeClaim) {
	t := time.Unix(100, 0)
	c.DeletionTimestamp = &t
}

func oncePod(c *api.PersistentVolumeClaim) {
	c.Spec.AccessModes = []api.PersistentVolumeAccessMode{api.ReadWriteOncePod}
}

func classOf(name string) func(*api.PersistentVolumeClaim) {
	return func(c *api.PersistentVolumeClaim) { c.Spec.StorageClassName = &name }
}

// usesClaim mounts claim as volume vol.
func usesClaim(vol, claim string) podOpt {
	return func(p *api.Pod) {
		p.Spec.Volumes = append(p.Spec.Volumes, api.Volume{Name: vol, PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: claim}})
	}
}

// TestClaimPlacement checks the claims stage: where a pod of a claim may
// go, and why it may go nowhere.
func TestClaimPlacement(t *testing.T) {
	three := func() *testCluster {
		return newCluster().node("a", "1", "1Gi").node("b", "1", "1Gi").node("c", "1", "1Gi")
	}
	tests := []struct {
		name    string
		cluster *testCluster
		claims  []*api.PersistentVolumeClaim
		classes []string
		pending []*api.Pod
		want    []string
	}{
		{"unbound claim goes anywhere, later pods follow",
			three().bound(pod("x", requests("900m", "")), "a"), []*api.PersistentVolumeClaim{claim("data", "")}, nil,
			[]*api.Pod{pod("p1", usesClaim("v", "data")), pod("p2", usesClaim("v", "data")), pod("p3", usesClaim("v", "data"))},
			[]string{"p1=b", "p2=b", "p3=b"}},
		{"bound claim pins to its node",
			three(), []*api.PersistentVolumeClaim{claim("data", "c")}, nil,
			[]*api.Pod{pod("p", usesClaim("v", "data"))}, []string{"p=c"}},
		{"binding not committed yet: the node of a pod using it",
			three().bound(pod("old", usesClaim("v", "data")), "b"), []*api.PersistentVolumeClaim{claim("data", "")}, nil,
			[]*api.Pod{pod("p", usesClaim("v", "data"))}, []string{"p=b"}},
		{"finished pod does not pin",
			newCluster().node("a", "1", "1Gi").node("b", "1", "1Gi").bound(pod("x", requests("900m", "")), "a").bound(pod("old", usesClaim("v", "data"), phase(api.PodSucceeded)), "a"),
			[]*api.PersistentVolumeClaim{claim("data", "")}, nil,
			[]*api.Pod{pod("p", usesClaim("v", "data"), requests("500m", ""))}, []string{"p=b"}},
		{"bound node full",
			three().bound(pod("x", requests("900m", "")), "c"), []*api.PersistentVolumeClaim{claim("data", "c")}, nil,
			[]*api.Pod{pod("p", usesClaim("v", "data"), requests("500m", ""))},
			[]string{"p: 0/3 nodes are available: 2 node(s) didn't hold the pod's volume, 1 insufficient cpu"}},
		{"bound node gone",
			three(), []*api.PersistentVolumeClaim{claim("data", "gone")}, nil,
			[]*api.Pod{pod("p", usesClaim("v", "data"))},
			[]string{"p: 0/3 nodes are available: 3 node(s) didn't hold the pod's volume"}},
		{"missing claim",
			three(), nil, nil,
			[]*api.Pod{pod("p", usesClaim("v", "data"))},
			[]string{`p: 0/3 nodes are available: persistentvolumeclaim "data" not found`}},
		{"claim in another namespace",
			three(), []*api.PersistentVolumeClaim{claim("data", "", func(c *api.PersistentVolumeClaim) { c.Namespace = "other" })}, nil,
			[]*api.Pod{pod("p", usesClaim("v", "data"))},
			[]string{`p: 0/3 nodes are available: persistentvolumeclaim "data" not found`}},
		{"claim being deleted",
			three(), []*api.PersistentVolumeClaim{claim("data", "a", deletingClaim)}, nil,
			[]*api.Pod{pod("p", usesClaim("v", "data"))},
			[]string{`p: 0/3 nodes are available: persistentvolumeclaim "data" is being deleted`}},
		{"class missing",
			three(), []*api.PersistentVolumeClaim{claim("data", "", classOf("fast"))}, nil,
			[]*api.Pod{pod("p", usesClaim("v", "data"))},
			[]string{`p: 0/3 nodes are available: persistentvolumeclaim "data": storageclass "fast" not found`}},
		{"class applied",
			three(), []*api.PersistentVolumeClaim{claim("data", "b", classOf("fast"))}, []string{"fast"},
			[]*api.Pod{pod("p", usesClaim("v", "data"))}, []string{"p=b"}},
		{"claims on different nodes",
			three(), []*api.PersistentVolumeClaim{claim("one", "a"), claim("two", "b")}, nil,
			[]*api.Pod{pod("p", usesClaim("v", "one"), usesClaim("w", "two"))},
			[]string{`p: 0/3 nodes are available: persistentvolumeclaims "one" and "two" are bound to different nodes (a and b)`}},
		{"bound and unbound claim together",
			three(), []*api.PersistentVolumeClaim{claim("one", "c"), claim("two", "")}, nil,
			[]*api.Pod{pod("p", usesClaim("v", "one"), usesClaim("w", "two")), pod("q", usesClaim("w", "two"))},
			[]string{"p=c", "q=c"}},
		{"ReadWriteOncePod used by a running pod",
			three().bound(pod("old", usesClaim("v", "data")), "a"), []*api.PersistentVolumeClaim{claim("data", "a", oncePod)}, nil,
			[]*api.Pod{pod("p", usesClaim("v", "data"))},
			[]string{`p: 0/3 nodes are available: persistentvolumeclaim "data" is ReadWriteOncePod and another pod uses it`}},
		{"ReadWriteOncePod: one pod of a batch",
			three(), []*api.PersistentVolumeClaim{claim("data", "", oncePod)}, nil,
			[]*api.Pod{pod("p", usesClaim("v", "data")), pod("q", usesClaim("v", "data"))},
			[]string{"p=c", `q: 0/3 nodes are available: persistentvolumeclaim "data" is ReadWriteOncePod and another pod uses it`}},
		{"StatefulSet claims need no object",
			three(), nil, nil,
			[]*api.Pod{pod("db-0", ownedBy("StatefulSet", "db"), usesClaim("data", "data-db-0"), volumeOn("b"))}, []string{"db-0=b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := tt.cluster.snapshot()
			snap.Claims, snap.StorageClasses = tt.claims, tt.classes
			got := placements(Schedule(snap, tt.pending, Config{}))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("placements (-want +got):\n%s", diff)
			}
		})
	}
}

// TestClaimNodeOrderIndependent checks that pods of an unbound claim on
// two nodes (a race the leader's binding settles) pin later pods the same
// way whatever the snapshot's order.
func TestClaimNodeOrderIndependent(t *testing.T) {
	pods := []*api.Pod{pod("x", usesClaim("v", "data")), pod("y", usesClaim("v", "data"))}
	pods[0].Spec.NodeName, pods[1].Spec.NodeName = "b", "a"
	nodes := newCluster().node("a", "1", "1Gi").node("b", "1", "1Gi").nodes
	for _, order := range [][]*api.Pod{pods, {pods[1], pods[0]}} {
		snap := &Snapshot{Nodes: nodes, Pods: order, Claims: []*api.PersistentVolumeClaim{claim("data", "")}}
		got := placements(Schedule(snap, []*api.Pod{pod("p", usesClaim("v", "data"))}, Config{}))
		if want := []string{"p=a"}; !cmp.Equal(got, want) {
			t.Errorf("order %s,%s: got %v, want %v", order[0].Name, order[1].Name, got, want)
		}
	}
}

// TestClaimProblemDoesNotPreempt checks that a pod that cannot run for
// its claim evicts nobody, whatever its priority, and that a pod of a
// bound claim preempts only on the claim's node.
func TestClaimProblemDoesNotPreempt(t *testing.T) {
	prio := func(v int32) podOpt { return func(p *api.Pod) { p.Spec.Priority = &v } }
	c := newCluster().node("a", "1", "1Gi").node("b", "1", "1Gi").
		bound(pod("low-a", requests("900m", ""), prio(0)), "a").
		bound(pod("low-b", requests("900m", ""), prio(0)), "b")
	snap := c.snapshot()
	snap.Claims = []*api.PersistentVolumeClaim{claim("data", "b")}
	ds := Schedule(snap, []*api.Pod{
		pod("ghost", requests("500m", ""), prio(1000), usesClaim("v", "nowhere")),
		pod("pinned", requests("500m", ""), prio(1000), usesClaim("v", "data")),
	}, Config{})
	if ds[0].NominatedNode != "" || len(ds[0].Victims) != 0 {
		t.Errorf("ghost: nominated %q victims %v, want none (its claim does not exist)", ds[0].NominatedNode, ds[0].Victims)
	}
	if ds[1].NominatedNode != "b" {
		t.Errorf("pinned: nominated %q victims %v, want b (its claim's node)", ds[1].NominatedNode, ds[1].Victims)
	}
}
