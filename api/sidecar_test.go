package api

import (
	"strings"
	"testing"
)

func TestValidateSidecar(t *testing.T) {
	always := ptr(ContainerRestartAlways)
	sidecar := func(mutate func(c *Container)) func(p *Pod) {
		return func(p *Pod) {
			c := Container{Name: "proxy", Image: "envoy:1", RestartPolicy: always}
			if mutate != nil {
				mutate(&c)
			}
			p.Spec.InitContainers = append(p.Spec.InitContainers, c)
		}
	}
	tests := []struct {
		name string
		obj  Object
		want []string // each must be one of the errors; none means valid
	}{
		{"sidecar", with(validPod, sidecar(nil)), nil},
		{"sidecar with probes and hooks", with(validPod, sidecar(func(c *Container) {
			c.ReadinessProbe = &Probe{Exec: &ExecAction{Command: []string{"true"}}}
			c.StartupProbe = &Probe{GRPC: &GRPCAction{Port: 9901}}
			c.Lifecycle = &Lifecycle{PreStop: &LifecycleHandler{Sleep: &SleepAction{Seconds: 1}}}
		})), nil},
		{"unknown policy", with(validPod, sidecar(func(c *Container) { c.RestartPolicy = ptr(ContainerRestartPolicy("OnFailure")) })),
			[]string{`spec.initContainers[0].restartPolicy: unknown policy "OnFailure" (want Always, which makes a sidecar, or none)`}},
		{"policy on a container", with(validPod, func(p *Pod) { p.Spec.Containers[0].RestartPolicy = always }),
			[]string{"spec.containers[0].restartPolicy: only allowed on init containers"}},
		{"probe on a plain init container", with(validPod, func(p *Pod) {
			p.Spec.InitContainers = []Container{{Name: "init", Image: "busybox:1", ReadinessProbe: &Probe{Exec: &ExecAction{Command: []string{"true"}}}}}
		}), []string{"spec.initContainers[0].readinessProbe: not allowed in an init container (only in a sidecar, with restartPolicy: Always)"}},
		{"bad hook on a sidecar", with(validPod, sidecar(func(c *Container) { c.Lifecycle = &Lifecycle{PostStart: &LifecycleHandler{}} })),
			[]string{"spec.initContainers[0].lifecycle.postStart: must have exactly one of exec, httpGet or sleep"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			Default(tt.obj)
			err := Validate(tt.obj)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got valid, want %v", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %v, want an error containing %q", err, w)
				}
			}
		})
	}
}

func TestDecodeSidecar(t *testing.T) {
	objs, err := Decode([]byte(`apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      restartPolicy: Never
      initContainers:
      - name: proxy
        image: envoy:1
        restartPolicy: Always
      - name: setup
        image: busybox:1
      containers:
      - name: migrate
        image: busybox:1
`))
	if err != nil {
		t.Fatal(err)
	}
	inits := objs[0].(*Job).Spec.Template.Spec.InitContainers
	for _, tt := range []struct {
		name string
		c    Container
		want bool
	}{{"proxy", inits[0], true}, {"setup", inits[1], false}} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.IsSidecar(); got != tt.want {
				t.Errorf("got IsSidecar %v, want %v", got, tt.want)
			}
		})
	}
}
