package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shoal-dev/shoal/api"
)

func TestRunPod(t *testing.T) {
	base := runOptions{name: "hello", namespace: "default", image: "busybox:1", restart: "Always"}
	tests := []struct {
		name    string
		change  func(*runOptions)
		check   func(*api.Pod) (got, want any)
		wantErr string
	}{
		{"label run=NAME", func(*runOptions) {}, func(p *api.Pod) (any, any) { return p.Labels, map[string]string{"run": "hello"} }, ""},
		{"container named after the pod", func(*runOptions) {}, func(p *api.Pod) (any, any) { return p.Spec.Containers[0].Name, "hello" }, ""},
		{"args after --", func(o *runOptions) { o.rest = []string{"sleep", "60"} }, func(p *api.Pod) (any, any) {
			return [][]string{p.Spec.Containers[0].Command, p.Spec.Containers[0].Args}, [][]string{nil, {"sleep", "60"}}
		}, ""},
		{"--command", func(o *runOptions) { o.command, o.rest = true, []string{"sh", "-c", "x"} }, func(p *api.Pod) (any, any) {
			return [][]string{p.Spec.Containers[0].Command, p.Spec.Containers[0].Args}, [][]string{{"sh", "-c", "x"}, nil}
		}, ""},
		{"--env", func(o *runOptions) { o.env = []string{"A=1", "B=x=y", "C="} }, func(p *api.Pod) (any, any) {
			return p.Spec.Containers[0].Env, []api.EnvVar{{Name: "A", Value: "1"}, {Name: "B", Value: "x=y"}, {Name: "C"}}
		}, ""},
		{"--port", func(o *runOptions) { o.port = 8080 }, func(p *api.Pod) (any, any) {
			return p.Spec.Containers[0].Ports, []api.ContainerPort{{ContainerPort: 8080, Protocol: api.ProtocolTCP}}
		}, ""},
		{"--restart Never", func(o *runOptions) { o.restart = "Never" }, func(p *api.Pod) (any, any) { return p.Spec.RestartPolicy, api.RestartNever }, ""},
		{"--labels replace run", func(o *runOptions) { o.labels = []string{"app=x"} }, func(p *api.Pod) (any, any) { return p.Labels, map[string]string{"app": "x"} }, ""},
		{"bad env", func(o *runOptions) { o.env = []string{"NOVALUE"} }, nil, `--env "NOVALUE": want NAME=VALUE`},
		{"bad port", func(o *runOptions) { o.port = 70000 }, nil, "--port 70000: want 1-65535"},
		{"bad restart", func(o *runOptions) { o.restart = "Sometimes" }, nil, `--restart "Sometimes": want Always, OnFailure or Never`},
		{"--command without one", func(o *runOptions) { o.command = true }, nil, `--command needs the command after "--"`},
		{"bad name", func(o *runOptions) { o.name = "Hello" }, nil, `pod "Hello": `},
		{"bad image", func(o *runOptions) { o.image = "a b" }, nil, "spec.containers[0].image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base
			tt.change(&o)
			p, err := o.pod()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			got, want := tt.check(p)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
