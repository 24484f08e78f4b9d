package main

import (
	"bytes"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func TestPDBTable(t *testing.T) {
	two, half := api.FromInt32(2), api.FromString("50%")
	tests := []struct {
		name string
		spec api.PodDisruptionBudgetSpec
		want string
	}{
		{"minAvailable", api.PodDisruptionBudgetSpec{MinAvailable: &two},
			"NAME   MIN AVAILABLE   MAX UNAVAILABLE   ALLOWED DISRUPTIONS   AGE\n" +
				"web    2               N/A               1                     <unknown>\n"},
		{"maxUnavailable percent", api.PodDisruptionBudgetSpec{MaxUnavailable: &half},
			"NAME   MIN AVAILABLE   MAX UNAVAILABLE   ALLOWED DISRUPTIONS   AGE\n" +
				"web    N/A             50%               1                     <unknown>\n"},
	}
	k, ok := api.LookupKind("pdb")
	if !ok {
		t.Fatal("kind pdb not found")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &api.PodDisruptionBudget{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "web"}, Spec: tt.spec}
			b.Status.DisruptionsAllowed = 1
			var out bytes.Buffer
			if err := printTable(&out, k, []api.Object{b}, false, false); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestPriorityClassTable(t *testing.T) {
	never := api.PreemptNever
	tests := []struct {
		name string
		pc   *api.PriorityClass
		want string
	}{
		{"default policy", &api.PriorityClass{ObjectMeta: api.ObjectMeta{Name: "high"}, Value: 1000, GlobalDefault: true},
			"NAME   VALUE   GLOBAL-DEFAULT   AGE         PREEMPTIONPOLICY\n" +
				"high   1000    true             <unknown>   PreemptLowerPriority\n"},
		{"never", &api.PriorityClass{ObjectMeta: api.ObjectMeta{Name: "batch"}, Value: -10, PreemptionPolicy: &never},
			"NAME    VALUE   GLOBAL-DEFAULT   AGE         PREEMPTIONPOLICY\n" +
				"batch   -10     false            <unknown>   Never\n"},
	}
	k, ok := api.LookupKind("pc")
	if !ok {
		t.Fatal("kind pc not found")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := printTable(&out, k, []api.Object{tt.pc}, false, false); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestDescribePDB(t *testing.T) {
	two, half := api.FromInt32(2), api.FromString("50%")
	tests := []struct {
		name string
		spec api.PodDisruptionBudgetSpec
		want string
	}{
		{"minAvailable", api.PodDisruptionBudgetSpec{MinAvailable: &two, Selector: api.SelectorFromMap(map[string]string{"app": "zk"})},
			"Name:           zk-pdb\nNamespace:      default\nMin available:  2\nSelector:       app=zk\nStatus:\n" +
				"    Allowed disruptions:  1\n    Current:              3\n    Desired:              2\n    Total:                3\n"},
		{"maxUnavailable, empty selector", api.PodDisruptionBudgetSpec{MaxUnavailable: &half, Selector: &api.LabelSelector{}},
			"Name:             zk-pdb\nNamespace:        default\nMax unavailable:  50%\nSelector:         <unset>\nStatus:\n" +
				"    Allowed disruptions:  1\n    Current:              3\n    Desired:              2\n    Total:                3\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &api.PodDisruptionBudget{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "zk-pdb"}, Spec: tt.spec,
				Status: api.PodDisruptionBudgetStatus{DisruptionsAllowed: 1, CurrentHealthy: 3, DesiredHealthy: 2, ExpectedPods: 3}}
			var out bytes.Buffer
			if err := describePDB(&out, b); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
