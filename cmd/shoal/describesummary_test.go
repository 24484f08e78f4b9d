package main

import (
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func TestDescribeNode(t *testing.T) {
	n := &api.Node{ObjectMeta: api.ObjectMeta{Name: "n1"}}
	n.Status.Capacity = api.ResourceList{api.ResourceCPU: api.MustParseQuantity("2"), api.ResourceMemory: api.MustParseQuantity("2Gi")}
	n.Status.Allocatable = api.ResourceList{api.ResourceCPU: api.MustParseQuantity("2"), api.ResourceMemory: api.MustParseQuantity("1Gi")}
	pod := func(ns, name, node string, phase api.PodPhase, cpu, mem string) *api.Pod {
		p := &api.Pod{ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name}}
		p.Spec.NodeName = node
		p.Status.Phase = phase
		p.Spec.Containers = []api.Container{{Name: "c", Resources: api.ResourceRequirements{
			Requests: api.ResourceList{api.ResourceCPU: api.MustParseQuantity(cpu), api.ResourceMemory: api.MustParseQuantity(mem)},
			Limits:   api.ResourceList{api.ResourceMemory: api.MustParseQuantity(mem)},
		}}}
		return p
	}
	withInit := pod("default", "b", "n1", api.PodRunning, "100m", "64Mi")
	withInit.Spec.InitContainers = []api.Container{{Name: "i", Resources: api.ResourceRequirements{Requests: api.ResourceList{api.ResourceCPU: api.MustParseQuantity("500m")}}}}
	pods := []*api.Pod{
		pod("default", "a", "n1", api.PodRunning, "250m", "128Mi"),
		withInit,
		pod("default", "elsewhere", "n2", api.PodRunning, "1", "1Gi"),
		pod("default", "done", "n1", api.PodSucceeded, "1", "1Gi"),
	}
	var b strings.Builder
	if err := describeNode(&b, n, pods); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	tests := []struct{ name, want string }{
		{"capacity", "Capacity: cpu: 2 memory: 2Gi"},
		{"allocatable", "Allocatable: cpu: 2 memory: 1Gi"},
		{"only this node's live pods", "Non-terminated Pods: (2 in total)"},
		{"pod row with shares", "default a 250m (12%) 0 (0%) 128Mi (12%) 128Mi (12%)"},
		{"init container counts when larger", "default b 500m (25%)"},
		{"allocated cpu", "cpu 750m (37%) 0 (0%)"},
		{"allocated memory", "memory 192Mi (18%) 192Mi (18%)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(norm(out), tt.want) {
				t.Errorf("output does not contain %q; got:\n%s", tt.want, out)
			}
		})
	}
	if strings.Contains(out, "elsewhere") || strings.Contains(out, "done") {
		t.Errorf("output lists another node's or a finished pod:\n%s", out)
	}
}

func TestDescribeDeployment(t *testing.T) {
	three := int32(3)
	d := &api.Deployment{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "web"}}
	d.Spec.Replicas = &three
	d.Spec.Selector = &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	d.Spec.Strategy.Type = "RollingUpdate"
	surge := api.FromString("25%")
	d.Spec.Strategy.RollingUpdate = &api.RollingUpdateDeployment{MaxSurge: &surge}
	d.Spec.Template.Spec.Containers = []api.Container{{Name: "web", Image: "nginx:1.27"}}
	d.Status = api.DeploymentStatus{Replicas: 3, UpdatedReplicas: 2, AvailableReplicas: 2, UnavailableReplicas: 1,
		Conditions: []api.DeploymentCondition{{Type: api.DeploymentAvailable, Status: api.ConditionFalse, Reason: "MinimumReplicasUnavailable"}}}
	var b strings.Builder
	if err := describeDeployment(&b, d); err != nil {
		t.Fatal(err)
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	for _, want := range []string{
		"Selector: app=web",
		"Replicas: 3 desired | 2 updated | 3 total | 2 available | 1 unavailable",
		"StrategyType: RollingUpdate",
		"RollingUpdateStrategy: <default> max unavailable, 25% max surge",
		"web: nginx:1.27",
		"Available False MinimumReplicasUnavailable",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not contain %q; got:\n%s", want, b.String())
		}
	}
}
