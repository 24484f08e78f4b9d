package api

import (
	"strings"
	"testing"
)

func TestPodUpdateError(t *testing.T) {
	stored := func() *Pod {
		p := validPod()
		p.Namespace = "default"
		p.Spec.NodeName = "n1"
		p.Spec.InitContainers = []Container{{Name: "init", Image: "busybox:1"}}
		Default(p)
		return p
	}
	tests := []struct {
		name   string
		change func(*Pod)
		// want are the fields the error names; none means no error.
		want []string
	}{
		{"unchanged", func(*Pod) {}, nil},
		{"nodeName left out stays bound", func(p *Pod) { p.Spec.NodeName = "" }, nil},
		{"container image", func(p *Pod) { p.Spec.Containers[0].Image = "nginx:1.28" }, nil},
		{"init container image", func(p *Pod) { p.Spec.InitContainers[0].Image = "busybox:2" }, nil},
		{"labels are metadata", func(p *Pod) { p.Labels = map[string]string{"a": "b"} }, nil},
		{"other node", func(p *Pod) { p.Spec.NodeName = "n2" }, []string{"spec.nodeName"}},
		{"container env", func(p *Pod) { p.Spec.Containers[0].Env = []EnvVar{{Name: "A", Value: "1"}} }, []string{"spec.containers[0].env"}},
		{"command and image", func(p *Pod) {
			p.Spec.Containers[0].Image = "nginx:2"
			p.Spec.Containers[0].Command = []string{"sh"}
		}, []string{"spec.containers[0].command"}},
		{"added container", func(p *Pod) {
			p.Spec.Containers = append(p.Spec.Containers, Container{Name: "side", Image: "busybox:1"})
		}, []string{"spec.containers (2 containers, was 1)"}},
		{"restart policy", func(p *Pod) { p.Spec.RestartPolicy = RestartNever }, []string{"spec.restartPolicy"}},
		{"grace period", func(p *Pod) { g := int64(5); p.Spec.TerminationGracePeriodSeconds = &g }, []string{"spec.terminationGracePeriodSeconds"}},
		{"volumes and init env", func(p *Pod) {
			p.Spec.Volumes = nil
			p.Spec.Containers[0].VolumeMounts = nil
			p.Spec.InitContainers[0].Args = []string{"x"}
		}, []string{"spec.containers[0].volumeMounts", "spec.initContainers[0].args", "spec.volumes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := stored()
			in := stored()
			tt.change(in)
			PreparePodUpdate(in, old)
			err := PodUpdateError(in, old)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got no error, want one naming %v", tt.want)
			}
			msg := err.Error()
			wantMsg := "pod updates may not change " + strings.Join(tt.want, ", ") + ": only " + PodMutableFields + " may change"
			if !strings.HasPrefix(msg, wantMsg) {
				t.Errorf("got %q, want it to start with %q", msg, wantMsg)
			}
		})
	}
}

func TestDecodeBarePod(t *testing.T) {
	objs, err := Decode([]byte(`apiVersion: v1
kind: Pod
metadata:
  name: hello
spec:
  restartPolicy: Never
  containers:
  - name: hello
    image: busybox:1
    command: ["sh", "-c", "echo hi"]
`))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := objs[0].(*Pod)
	if !ok {
		t.Fatalf("got %T, want *Pod", objs[0])
	}
	k, err := KindOf(p)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"writable", k.UserWritable, true},
		{"namespace", p.Namespace, "default"},
		{"restart policy", p.Spec.RestartPolicy, RestartNever},
		{"unbound", p.Spec.NodeName, ""},
		{"pull policy", p.Spec.Containers[0].ImagePullPolicy, PullIfNotPresent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}
