package controller

import (
	"testing"

	"github.com/shoal-dev/shoal/api"
)

// TestCreatesAtMostBurstPerPass scales workloads to more pods than one
// pass may create and checks every pass stays within BurstReplicas per
// workload while the pods still all arrive.
func TestCreatesAtMostBurstPerPass(t *testing.T) {
	const replicas = 1200
	tests := []struct {
		name string
		obj  func() api.Object
	}{
		{"Deployment", func() api.Object { return newDeployment("web", replicas, "v1") }},
		{"Parallel StatefulSet", func() api.Object {
			s := newStatefulSet("db", replicas, "v1", false)
			s.Spec.PodManagementPolicy = api.ParallelPodManagement
			return s
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t).withNodes(3)
			h.checkInputs = false // fingerprinting 1,200 pods every pass is slow
			h.batch = 500
			h.put(tc.obj())
			most, passes := 0, 0
			for ; passes < 20; passes++ {
				ch := h.step()
				pods := 0
				for _, o := range ch.Creates {
					if o.GetTypeMeta().Kind == "Pod" {
						pods++
					}
				}
				most = max(most, pods)
				h.schedule()
				h.agents()
				if ch.Empty() {
					break
				}
			}
			if most > BurstReplicas {
				t.Errorf("got %d pods created in one pass, want at most %d", most, BurstReplicas)
			}
			if got := len(h.activePods(h.get(api.KeyOf(tc.obj())))); got != replicas {
				t.Errorf("got %d pods after %d passes, want %d", got, passes, replicas)
			}
			t.Logf("%d pods in %d passes, at most %d a pass", replicas, passes, most)
		})
	}
}
