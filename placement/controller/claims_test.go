package controller

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/shoal-dev/shoal/api"
)

func claimNode(name string, runsPods bool) *api.Node {
	n := &api.Node{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Node"}, ObjectMeta: api.ObjectMeta{Name: name}}
	if runsPods {
		n.Status.NodeInfo.ContainerRuntimeVersion = "containerd"
	}
	n.Status.Conditions = []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue}}
	return n
}

type claimOpt func(*api.PersistentVolumeClaim)

func newClaim(name string, opts ...claimOpt) *api.PersistentVolumeClaim {
	c := &api.PersistentVolumeClaim{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: "u-" + name, ResourceVersion: "5"},
		Spec: api.PersistentVolumeClaimSpec{
			AccessModes: []api.PersistentVolumeAccessMode{api.ReadWriteOnce},
			Resources:   api.VolumeResourceRequirements{Requests: api.ResourceList{api.ResourceStorage: api.MustParseQuantity("1Gi")}},
		},
	}
	api.Default(c)
	for _, o := range opts {
		o(c)
	}
	return c
}

func onNode(node string) claimOpt {
	return func(c *api.PersistentVolumeClaim) { c.Annotations = map[string]string{api.AnnotationVolumeNode: node} }
}

func claimPhase(ph api.PersistentVolumeClaimPhase) claimOpt {
	return func(c *api.PersistentVolumeClaim) { c.Status.Phase = ph }
}

func claimDeleted(c *api.PersistentVolumeClaim) {
	t := time.Unix(1000, 0)
	c.DeletionTimestamp = &t
}

// claimPod is a pod using claim, on node ("" unbound), in phase.
func claimPod(name, claim, node string, ph api.PodPhase) *api.Pod {
	return &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: "u-" + name},
		Spec: api.PodSpec{
			NodeName:   node,
			Containers: []api.Container{{Name: "c", Image: "img"}},
			Volumes:    []api.Volume{{Name: "v", PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: claim}}},
		},
		Status: api.PodStatus{Phase: ph},
	}
}

// describeClaimChanges renders the claim writes of a pass, one line each:
// "update data: node=n1 volume=pvc-u-data phase=Bound capacity=1Gi",
// "status data: phase=Pending", "delete data".
func describeClaimChanges(ch Changes) []string {
	var out []string
	render := func(verb string, o api.Object) {
		c, ok := o.(*api.PersistentVolumeClaim)
		if !ok {
			return
		}
		s := fmt.Sprintf("%s %s: phase=%s", verb, c.Name, c.Status.Phase)
		if n := c.ClaimNode(); n != "" {
			q := c.Status.Capacity[api.ResourceStorage]
			s += fmt.Sprintf(" node=%s volume=%s capacity=%s modes=%v", n, c.Spec.VolumeName, q.String(), c.Status.AccessModes)
		}
		out = append(out, s)
	}
	for _, o := range ch.Creates {
		render("create", o)
	}
	for _, o := range ch.Updates {
		render("update", o)
	}
	for _, o := range ch.Statuses {
		render("status", o)
	}
	for _, d := range ch.Deletes {
		if d.Key.Kind == "PersistentVolumeClaim" {
			out = append(out, fmt.Sprintf("delete %s uid=%s", d.Key.Name, d.UID))
		}
	}
	return out
}

func TestClaimBinding(t *testing.T) {
	nodes := []*api.Node{claimNode("n1", true), claimNode("n2", true), claimNode("bare", false)}
	bound := "phase=Bound node=n1 volume=pvc-u-data capacity=1Gi modes=[ReadWriteOnce]"
	tests := []struct {
		name   string
		claims []*api.PersistentVolumeClaim
		pods   []*api.Pod
		want   []string
	}{
		{"new claim is Pending", []*api.PersistentVolumeClaim{newClaim("data")}, nil,
			[]string{"status data: phase=Pending"}},
		{"Pending claim stays", []*api.PersistentVolumeClaim{newClaim("data", claimPhase(api.ClaimPending))}, []*api.Pod{claimPod("p", "data", "", api.PodPending)},
			nil},
		{"first pod placed binds it", []*api.PersistentVolumeClaim{newClaim("data", claimPhase(api.ClaimPending))}, []*api.Pod{claimPod("p", "data", "n1", api.PodPending)},
			[]string{"update data: " + bound}},
		{"two pods: smallest node", []*api.PersistentVolumeClaim{newClaim("data")}, []*api.Pod{claimPod("p", "data", "n2", api.PodRunning), claimPod("q", "data", "n1", api.PodRunning)},
			[]string{"update data: " + bound}},
		{"finished pod binds nothing", []*api.PersistentVolumeClaim{newClaim("data", claimPhase(api.ClaimPending))}, []*api.Pod{claimPod("p", "data", "n1", api.PodSucceeded)},
			nil},
		{"bound claim stays bound", []*api.PersistentVolumeClaim{boundClaim(newClaim("data"), "n1")}, []*api.Pod{claimPod("p", "data", "n2", api.PodRunning)},
			nil},
		{"binding kept when pods are gone", []*api.PersistentVolumeClaim{boundClaim(newClaim("data"), "n1")}, nil,
			nil},
		{"volumeName dropped by an apply is repaired", []*api.PersistentVolumeClaim{newClaim("data", onNode("n1"), claimPhase(api.ClaimBound))}, nil,
			[]string{"update data: " + bound}},
		{"other namespace's pod does not bind", []*api.PersistentVolumeClaim{newClaim("data", claimPhase(api.ClaimPending))},
			[]*api.Pod{func() *api.Pod { p := claimPod("p", "data", "n1", api.PodRunning); p.Namespace = "other"; return p }()},
			nil},
		{"StatefulSet claim binds where its pod runs", []*api.PersistentVolumeClaim{newClaim("data-db-0", claimPhase(api.ClaimPending))},
			[]*api.Pod{func() *api.Pod {
				p := claimPod("db-0", "data-db-0", "n1", api.PodRunning)
				p.Spec.Volumes[0].Name = "data"
				p.OwnerReferences = []api.OwnerReference{{Kind: "StatefulSet", Name: "db", UID: "u-db", Controller: ptr(true)}}
				return p
			}()},
			[]string{"update data-db-0: phase=Bound node=n1 volume=pvc-u-data-db-0 capacity=1Gi modes=[ReadWriteOnce]"}},
		{"deleted claim in use waits", []*api.PersistentVolumeClaim{boundClaim(newClaim("data", claimDeleted), "n1")}, []*api.Pod{claimPod("p", "data", "n1", api.PodRunning)},
			nil},
		{"deleted claim used by a Terminating pod waits", []*api.PersistentVolumeClaim{boundClaim(newClaim("data", claimDeleted), "n1")},
			[]*api.Pod{func() *api.Pod {
				p := claimPod("p", "data", "n1", api.PodRunning)
				p.DeletionTimestamp = &time.Time{}
				return p
			}()},
			nil},
		{"deleted bound claim is the node's to remove", []*api.PersistentVolumeClaim{boundClaim(newClaim("data", claimDeleted), "n1")}, []*api.Pod{claimPod("p", "data", "n1", api.PodFailed)},
			nil},
		{"deleted unbound claim is removed", []*api.PersistentVolumeClaim{newClaim("data", claimDeleted, claimPhase(api.ClaimPending))}, nil,
			[]string{"delete data uid=u-data"}},
		{"deleted claim of a gone node is removed", []*api.PersistentVolumeClaim{boundClaim(newClaim("data", claimDeleted), "gone")}, nil,
			[]string{"delete data uid=u-data"}},
		{"deleted claim of a node without pods is removed", []*api.PersistentVolumeClaim{boundClaim(newClaim("data", claimDeleted), "bare")}, nil,
			[]string{"delete data uid=u-data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &State{Now: time.Unix(2000, 0), Nodes: nodes, Claims: tt.claims, Pods: tt.pods}
			before := api.DeepCopy(tt.claims[0])
			got := describeClaimChanges(Reconcile(st, DefaultConfig()))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("claim writes (-want +got):\n%s", diff)
			}
			if !api.SameJSON(before, tt.claims[0]) {
				t.Errorf("Reconcile modified its input claim")
			}
		})
	}
}

// TestClaimBindingIsStable checks that a pass over its own result writes
// nothing more: the binding is a fixpoint.
func TestClaimBindingIsStable(t *testing.T) {
	nodes := []*api.Node{claimNode("n1", true)}
	claims := []*api.PersistentVolumeClaim{newClaim("data")}
	pods := []*api.Pod{claimPod("p", "data", "n1", api.PodRunning)}
	ch := Reconcile(&State{Nodes: nodes, Claims: claims, Pods: pods}, DefaultConfig())
	if len(ch.Updates) != 1 {
		t.Fatalf("got %d updates, want 1", len(ch.Updates))
	}
	next := Reconcile(&State{Nodes: nodes, Claims: []*api.PersistentVolumeClaim{ch.Updates[0].(*api.PersistentVolumeClaim)}, Pods: pods}, DefaultConfig())
	if got := describeClaimChanges(next); len(got) != 0 {
		t.Errorf("second pass wrote %s, want nothing", strings.Join(got, "; "))
	}
}

// TestStatefulSetCreatesClaims checks that a StatefulSet's claims become
// PersistentVolumeClaim objects, as in Kubernetes: one per template and
// ordinal, without an owner, bound at once when the set already pins the
// volume, and never twice.
func TestStatefulSetCreatesClaims(t *testing.T) {
	node := claimNode("n1", true)
	set := func(edit func(*api.StatefulSet)) *api.StatefulSet {
		ss := newStatefulSet("db", 2, "img", true)
		ss.UID = "u-db"
		ss.Spec.PodManagementPolicy = api.ParallelPodManagement
		if edit != nil {
			edit(ss)
		}
		return ss
	}
	tests := []struct {
		name   string
		ss     *api.StatefulSet
		claims []*api.PersistentVolumeClaim
		want   []string
	}{
		{"one claim per ordinal", set(nil), nil,
			[]string{"create data-db-0: phase=", "create data-db-1: phase="}},
		{"pinned volume: created bound", set(func(ss *api.StatefulSet) {
			ss.Annotations = map[string]string{api.AnnotationVolumeNodes: `{"data-db-1":"n1"}`}
		}), nil,
			[]string{"create data-db-0: phase=", "create data-db-1: phase= node=n1 volume= capacity=0 modes=[]"}},
		{"existing claim kept", set(nil), []*api.PersistentVolumeClaim{newClaim("data-db-0", claimPhase(api.ClaimPending))},
			[]string{"create data-db-1: phase="}},
		{"ReadWriteMany template: no object", set(func(ss *api.StatefulSet) {
			ss.Spec.VolumeClaimTemplates[0].Spec.AccessModes = []api.PersistentVolumeAccessMode{api.ReadWriteMany}
		}), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := Reconcile(&State{Now: time.Unix(2000, 0), Nodes: []*api.Node{node}, StatefulSets: []*api.StatefulSet{tt.ss}, Claims: tt.claims}, DefaultConfig())
			got := describeClaimChanges(ch)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("claim writes (-want +got):\n%s", diff)
			}
			for _, o := range ch.Creates {
				if c, ok := o.(*api.PersistentVolumeClaim); ok {
					if len(c.OwnerReferences) != 0 || c.Labels["app"] != "db" || *c.Spec.StorageClassName != api.StorageClassLocalPath {
						t.Errorf("claim %s: owners %v labels %v class %q, want no owner, the set's labels and local-path", c.Name, c.OwnerReferences, c.Labels, *c.Spec.StorageClassName)
					}
				}
			}
		})
	}
}
