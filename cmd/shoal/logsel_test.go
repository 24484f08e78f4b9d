package main

import (
	"strings"
	"sync"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func TestPodSelectorOf(t *testing.T) {
	dep := &api.Deployment{TypeMeta: api.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}}
	dep.Spec.Selector = &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	ds := &api.DaemonSet{TypeMeta: api.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"}}
	ds.Spec.Selector = &api.LabelSelector{MatchExpressions: []api.LabelSelectorRequirement{{Key: "tier", Operator: api.SelectorOpIn, Values: []string{"a", "b"}}}}
	tests := []struct {
		name    string
		obj     api.Object
		want    string
		wantErr string
	}{
		{"deployment", dep, "app=web", ""},
		{"daemonset with expression", ds, "tier in (a,b)", ""},
		{"no selector", &api.ConfigMap{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}}, "", "a ConfigMap has no pod selector"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := podSelectorOf(tt.obj)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.ReplaceAll(sel.String(), " ", ""); got != strings.ReplaceAll(tt.want, " ", "") {
				t.Errorf("got %q, want %q", sel.String(), tt.want)
			}
		})
	}
}

func TestPickPod(t *testing.T) {
	pod := func(name string, phase api.PodPhase, ready, deleted bool) *api.Pod {
		p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name}}
		p.Status.Phase = phase
		if ready {
			p.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue}}
		}
		if deleted {
			p.DeletionTimestamp = &t0
		}
		return p
	}
	tests := []struct {
		name string
		pods []*api.Pod
		want string
	}{
		{"none", nil, ""},
		{"ready beats running", []*api.Pod{pod("a", api.PodRunning, false, false), pod("b", api.PodRunning, true, false)}, "b"},
		{"running beats pending", []*api.Pod{pod("a", api.PodPending, false, false), pod("b", api.PodRunning, false, false)}, "b"},
		{"terminating last", []*api.Pod{pod("a", api.PodRunning, true, true), pod("b", api.PodPending, false, false)}, "b"},
		{"first name among equals", []*api.Pod{pod("a", api.PodRunning, true, false), pod("b", api.PodRunning, true, false)}, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if p := pickPod(tt.pods); p != nil {
				got = p.Name
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLineWriter(t *testing.T) {
	tests := []struct {
		name   string
		prefix string
		writes []string
		want   string
	}{
		{"whole lines", "[pod/a] ", []string{"one\ntwo\n"}, "[pod/a] one\n[pod/a] two\n"},
		{"line split across writes", "[pod/a] ", []string{"o", "ne\nt", "wo\n"}, "[pod/a] one\n[pod/a] two\n"},
		{"last line without newline", "", []string{"one\ntwo"}, "one\ntwo\n"},
		{"nothing", "[pod/a] ", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			lw := &lineWriter{mu: &sync.Mutex{}, out: &b, prefix: tt.prefix}
			for _, w := range tt.writes {
				if _, err := lw.Write([]byte(w)); err != nil {
					t.Fatal(err)
				}
			}
			if err := lw.Flush(); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got %q, want %q", b.String(), tt.want)
			}
		})
	}
}
