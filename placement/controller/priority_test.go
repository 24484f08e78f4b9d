package controller

import (
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func TestCreatedPodsGetPriority(t *testing.T) {
	tests := []struct {
		name      string
		className string
		classes   []*api.PriorityClass
		want      int32 // -1: no priority set
	}{
		{"named class", "high", []*api.PriorityClass{{TypeMeta: api.TypeMeta{APIVersion: "scheduling.k8s.io/v1", Kind: "PriorityClass"}, ObjectMeta: api.ObjectMeta{Name: "high"}, Value: 1000}}, 1000},
		{"built-in class", api.SystemNodeCritical, nil, api.SystemCriticalPriority + 1000},
		{"global default", "", []*api.PriorityClass{{TypeMeta: api.TypeMeta{APIVersion: "scheduling.k8s.io/v1", Kind: "PriorityClass"}, ObjectMeta: api.ObjectMeta{Name: "low"}, Value: -5, GlobalDefault: true}}, -5},
		{"class deleted since", "gone", nil, -1},
		{"no class", "", nil, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t).withNodes(2)
			for _, pc := range tt.classes {
				h.put(pc)
			}
			d := newDeployment("web", 2, "v1")
			d.Spec.Template.Spec.PriorityClassName = tt.className
			h.put(d)
			h.settle()
			pods := h.activePods(h.deployment("web"))
			if len(pods) != 2 {
				t.Fatalf("got %d pods, want 2", len(pods))
			}
			for _, pod := range pods {
				got := int32(-1)
				if pod.Spec.Priority != nil {
					got = *pod.Spec.Priority
				}
				if got != tt.want {
					t.Errorf("pod %s: got priority %d, want %d", pod.Name, got, tt.want)
				}
			}
		})
	}
}
