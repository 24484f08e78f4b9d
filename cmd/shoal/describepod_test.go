package main

import (
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// describePodFixture is a running Deployment pod with a restarted
// container, an init container, a probe, env, mounts and volumes.
func describePodFixture() *api.Pod {
	start := time.Date(2026, 12, 5, 16, 0, 0, 0, time.UTC)
	later := start.Add(time.Minute)
	yes := true
	p := &api.Pod{ObjectMeta: api.ObjectMeta{
		Namespace: "default", Name: "web-7d9f-abcde",
		Labels:          map[string]string{"app": "web", "pod-template-hash": "7d9f"},
		OwnerReferences: []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-7d9f", Controller: &yes}},
	}}
	p.Spec.NodeName = "n2"
	p.Spec.NodeSelector = map[string]string{"disk": "ssd"}
	p.Spec.Tolerations = []api.Toleration{{Key: "dedicated", Value: "web", Effect: api.TaintNoSchedule}, {Operator: api.TolerationExists, Effect: api.TaintNoExecute, TolerationSeconds: ptr(int64(300))}}
	p.Spec.InitContainers = []api.Container{{Name: "setup", Image: "busybox:1", Command: []string{"sh", "-c", "echo ok"}}}
	p.Spec.Containers = []api.Container{{
		Name: "app", Image: "nginx:1.27",
		Ports:          []api.ContainerPort{{ContainerPort: 80}, {ContainerPort: 53, Protocol: api.ProtocolUDP}},
		Env:            []api.EnvVar{{Name: "MODE", Value: "prod"}, {Name: "PASS", ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.KeySelector{Name: "db", Key: "password"}}}},
		Resources:      api.ResourceRequirements{Requests: api.ResourceList{api.ResourceCPU: api.MustParseQuantity("100m")}},
		ReadinessProbe: &api.Probe{HTTPGet: &api.HTTPGetAction{Path: "/healthz", Port: api.FromInt32(80)}, PeriodSeconds: 5},
		VolumeMounts:   []api.VolumeMount{{Name: "config", MountPath: "/etc/app", ReadOnly: true}, {Name: "scratch", MountPath: "/tmp"}},
	}}
	p.Spec.Volumes = []api.Volume{
		{Name: "config", ConfigMap: &api.ConfigMapVolumeSource{Name: "app-config"}},
		{Name: "scratch", EmptyDir: &api.EmptyDirVolumeSource{Medium: api.StorageMediumMemory}},
	}
	p.Status = api.PodStatus{
		Phase: api.PodRunning, HostIP: "10.0.0.2", PodIP: "10.42.1.5", PodIPs: []api.PodIP{{IP: "10.42.1.5"}},
		StartTime: &start,
		Conditions: []api.PodCondition{
			{Type: api.PodInitialized, Status: api.ConditionTrue}, {Type: api.PodReady, Status: api.ConditionTrue},
			{Type: api.ContainersReady, Status: api.ConditionTrue}, {Type: api.PodScheduled, Status: api.ConditionTrue},
		},
		InitContainerStatuses: []api.ContainerStatus{{Name: "setup", State: api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: &start, FinishedAt: &start}}}},
		ContainerStatuses: []api.ContainerStatus{{
			Name: "app", Ready: true, RestartCount: 2, ContainerID: "containerd://abc123", Image: "nginx:1.27",
			State:     api.ContainerState{Running: &api.ContainerStateRunning{StartedAt: &later}},
			LastState: api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled", StartedAt: &start, FinishedAt: &later}},
		}},
	}
	return p
}

func ptr[T any](v T) *T { return &v }

func TestDescribePod(t *testing.T) {
	p := describePodFixture()
	now := time.Date(2026, 12, 5, 17, 0, 0, 0, time.UTC)
	var b strings.Builder
	if err := describePod(&b, p, now); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	norm := strings.Join(strings.Fields(out), " ")
	tests := []struct{ name, want string }{
		{"name", "Name: web-7d9f-abcde Namespace: default"},
		{"node with host IP", "Node: n2/10.0.0.2"},
		{"start time", "Start Time: Sat, 05 Dec 2026 16:00:00 +0000"},
		{"labels one a line", "Labels: app=web pod-template-hash=7d9f Annotations: <none>"},
		{"status", "Status: Running IP: 10.42.1.5 IPs: IP: 10.42.1.5"},
		{"controller", "Controlled By: ReplicaSet/web-7d9f"},
		{"init container", "Init Containers: setup: Image: busybox:1 Port: <none> Host Port: <none> Command: sh -c echo ok State: Terminated Reason: Completed Exit Code: 0"},
		{"container id and image", "Containers: app: Container ID: containerd://abc123 Image: nginx:1.27"},
		{"ports", "Ports: 80/TCP, 53/UDP Host Ports: 0/TCP, 0/UDP"},
		{"state", "State: Running Started: Sat, 05 Dec 2026 16:01:00 +0000"},
		{"last state", "Last State: Terminated Reason: OOMKilled Exit Code: 137"},
		{"ready and restarts", "Ready: True Restart Count: 2"},
		{"requests", "Requests: cpu: 100m"},
		{"probe", "Readiness: http-get http://:80/healthz delay=0s timeout=1s period=5s #success=1 #failure=3"},
		{"env", "Environment: MODE: prod PASS: <set to the key 'password' in secret 'db'>"},
		{"mounts", "Mounts: /etc/app from config (ro) /tmp from scratch (rw)"},
		{"conditions", "Conditions: Type Status Initialized True Ready True ContainersReady True PodScheduled True"},
		{"configmap volume", "Volumes: config: Type: ConfigMap Name: app-config"},
		{"emptyDir volume", "scratch: Type: EmptyDir Medium: Memory"},
		{"qos", "QoS Class: Burstable"},
		{"node selectors", "Node-Selectors: disk=ssd"},
		{"tolerations", "Tolerations: dedicated=web:NoSchedule op=Exists:NoExecute for 300s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(norm, tt.want) {
				t.Errorf("output does not contain %q; got:\n%s", tt.want, out)
			}
		})
	}
}

func TestDescribePodStatus(t *testing.T) {
	now := time.Date(2026, 12, 5, 17, 0, 0, 0, time.UTC)
	deleted := now.Add(-5 * time.Second)
	tests := []struct {
		name   string
		modify func(p *api.Pod)
		want   string
	}{
		{"pending pod without status", func(p *api.Pod) { p.Status = api.PodStatus{} }, "Status: Pending"},
		{"terminating", func(p *api.Pod) {
			p.DeletionTimestamp = &deleted
			p.Spec.TerminationGracePeriodSeconds = ptr(int64(30))
		}, "Status: Terminating (lasts 30s, since 5s ago)"},
		{"evicted", func(p *api.Pod) {
			p.Status.Phase, p.Status.Reason, p.Status.Message = api.PodFailed, "Evicted", "node n2 ran low on disk"
		}, "Status: Failed Reason: Evicted Message: node n2 ran low on disk"},
		{"unscheduled", func(p *api.Pod) { p.Spec.NodeName, p.Status = "", api.PodStatus{} }, "Node: <none> Start Time: <unknown>"},
		{"no controller", func(p *api.Pod) { p.OwnerReferences = nil }, "IPs: IP: 10.42.1.5 Init Containers:"},
		{"container not started", func(p *api.Pod) { p.Status.ContainerStatuses = nil }, "State: Waiting Ready: False Restart Count: 0"},
		{"waiting with reason", func(p *api.Pod) {
			p.Status.ContainerStatuses[0].State = api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 40s"}}
		}, "State: Waiting Reason: CrashLoopBackOff Message: back-off 40s"},
		{"one port", func(p *api.Pod) { p.Spec.Containers[0].Ports = p.Spec.Containers[0].Ports[:1] }, "Port: 80/TCP Host Port: 0/TCP"},
		{"best effort", func(p *api.Pod) { p.Spec.Containers[0].Resources = api.ResourceRequirements{} }, "QoS Class: BestEffort"},
		{"guaranteed", func(p *api.Pod) {
			l := api.ResourceList{api.ResourceCPU: api.MustParseQuantity("1"), api.ResourceMemory: api.MustParseQuantity("1Gi")}
			p.Spec.Containers[0].Resources = api.ResourceRequirements{Requests: l, Limits: l}
			p.Spec.InitContainers[0].Resources = api.ResourceRequirements{Limits: l}
		}, "QoS Class: Guaranteed"},
		{"no volumes", func(p *api.Pod) { p.Spec.Volumes = nil }, "Volumes: <none>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := describePodFixture()
			tt.modify(p)
			var b strings.Builder
			if err := describePod(&b, p, now); err != nil {
				t.Fatal(err)
			}
			if norm := strings.Join(strings.Fields(b.String()), " "); !strings.Contains(norm, tt.want) {
				t.Errorf("output does not contain %q; got:\n%s", tt.want, b.String())
			}
		})
	}
}
