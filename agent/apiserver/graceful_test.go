package apiserver

import (
	"slices"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// TestGracefulDeleteForcesOnlyWhatNoAgentStops: a pod on a lost node is
// removed at once, but a StatefulSet pod only once its node is lost for
// FenceAfter too: before that its cut-off agent may still run it, and a
// replacement would run the same identity twice.
func TestGracefulDeleteForcesOnlyWhatNoAgentStops(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	yes := true
	node := func(name string, notReadyFor time.Duration) *api.Node {
		since := now.Add(-notReadyFor)
		n := &api.Node{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Node"}, ObjectMeta: api.ObjectMeta{Name: name}}
		n.Status.NodeInfo.ContainerRuntimeVersion = "containerd://2"
		n.Status.Conditions = []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionFalse, LastTransitionTime: &since}}
		return n
	}
	pod := func(name, nodeName, ownerKind string) *api.Pod {
		p := testPod("default", name, "x", "10.42.1.5")
		p.Spec.NodeName = nodeName
		p.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: ownerKind, Name: "w", UID: "u1", Controller: &yes}}
		return p
	}
	// NodeGrace 40 s, FenceAfter 80 s (oneNode).
	st, _ := testServer(t,
		node("lost60", 60*time.Second), node("lost90", 90*time.Second),
		pod("rs-on-lost60", "lost60", "ReplicaSet"), pod("ss-on-lost60", "lost60", "StatefulSet"),
		pod("ss-on-lost90", "lost90", "StatefulSet"),
	)
	s := &Server{cfg: Config{View: st, Settings: oneNode{}}}
	tests := []struct {
		name  string
		force bool
	}{
		{"rs-on-lost60", true},
		{"ss-on-lost60", false},
		{"ss-on-lost90", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := api.Key{Kind: "Pod", Namespace: "default", Name: tt.name}
			d := s.gracefulDelete([]api.Key{k}, nil, nil, now)
			if got := slices.Contains(d.Grace.Force, k); got != tt.force {
				t.Errorf("forced: got %v, want %v", got, tt.force)
			}
		})
	}
}
