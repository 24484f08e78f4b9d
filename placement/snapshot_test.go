package placement

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shoal-dev/shoal/api"
)

func TestNodeInfoFrom(t *testing.T) {
	ready := []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue}}
	tests := []struct {
		name string
		node api.Node
		want NodeInfo
	}{
		{
			name: "allocatable, labels and zone",
			node: api.Node{
				ObjectMeta: api.ObjectMeta{Name: "a", Labels: map[string]string{ZoneLabel: "z1", "disk": "ssd"}},
				Status: api.NodeStatus{
					Capacity:    api.ResourceList{"cpu": api.MustParseQuantity("4"), "memory": api.MustParseQuantity("8Gi"), "pods": api.MustParseQuantity("200")},
					Allocatable: api.ResourceList{"cpu": api.MustParseQuantity("3500m"), "memory": api.MustParseQuantity("7Gi"), "pods": api.MustParseQuantity("150")},
					Conditions:  ready,
				},
			},
			want: NodeInfo{
				Name: "a", Labels: map[string]string{ZoneLabel: "z1", "disk": "ssd"}, Ready: true, Zone: "z1",
				Allocatable: Resources{MilliCPU: 3500, Memory: 7 << 30, Pods: 150},
			},
		},
		{
			name: "capacity when allocatable is missing, default pods",
			node: api.Node{
				ObjectMeta: api.ObjectMeta{Name: "b"},
				Status: api.NodeStatus{
					Capacity:   api.ResourceList{"cpu": api.MustParseQuantity("2"), "memory": api.MustParseQuantity("1Gi")},
					Conditions: ready,
				},
			},
			want: NodeInfo{Name: "b", Ready: true, Allocatable: Resources{MilliCPU: 2000, Memory: 1 << 30, Pods: DefaultMaxPods}},
		},
		{
			name: "not ready and cordoned",
			node: api.Node{
				ObjectMeta: api.ObjectMeta{Name: "c"},
				Spec:       api.NodeSpec{Unschedulable: true},
				Status:     api.NodeStatus{Conditions: []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionUnknown}}},
			},
			want: NodeInfo{Name: "c", Unschedulable: true, Allocatable: Resources{Pods: DefaultMaxPods}},
		},
		{
			name: "disk pressure",
			node: api.Node{
				ObjectMeta: api.ObjectMeta{Name: "d"},
				Status: api.NodeStatus{Conditions: []api.NodeCondition{
					{Type: api.NodeReady, Status: api.ConditionTrue},
					{Type: api.NodeDiskPressure, Status: api.ConditionTrue},
				}},
			},
			want: NodeInfo{Name: "d", Ready: true, DiskPressure: true, Allocatable: Resources{Pods: DefaultMaxPods}},
		},
		{
			name: "disk pressure over",
			node: api.Node{
				ObjectMeta: api.ObjectMeta{Name: "e"},
				Status: api.NodeStatus{Conditions: []api.NodeCondition{
					{Type: api.NodeReady, Status: api.ConditionTrue},
					{Type: api.NodeDiskPressure, Status: api.ConditionFalse},
				}},
			},
			want: NodeInfo{Name: "e", Ready: true, Allocatable: Resources{Pods: DefaultMaxPods}},
		},
		{
			name: "no conditions is not ready",
			node: api.Node{ObjectMeta: api.ObjectMeta{Name: "d"}},
			want: NodeInfo{Name: "d", Allocatable: Resources{Pods: DefaultMaxPods}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NodeInfoFrom(&tt.node)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("NodeInfoFrom (-want +got):\n%s", diff)
			}
		})
	}
}

// sidecar makes c an init container with restartPolicy Always.
func sidecar(c api.Container) api.Container {
	always := api.ContainerRestartAlways
	c.RestartPolicy = &always
	return c
}

func TestPodRequests(t *testing.T) {
	container := func(cpu, mem string) api.Container {
		return api.Container{Name: "c", Resources: api.ResourceRequirements{Requests: resourceList(cpu, mem)}}
	}
	tests := []struct {
		name       string
		containers []api.Container
		init       []api.Container
		want       Resources
	}{
		{"no requests", []api.Container{{Name: "c"}}, nil, Resources{Pods: 1}},
		{"sum of containers", []api.Container{container("250m", "64Mi"), container("1", "")}, nil, Resources{MilliCPU: 1250, Memory: 64 << 20, Pods: 1}},
		{"init larger than the sum", []api.Container{container("100m", "10Mi")}, []api.Container{container("2", "1Mi"), container("500m", "")}, Resources{MilliCPU: 2000, Memory: 10 << 20, Pods: 1}},
		{"init containers do not add up", []api.Container{container("", "")}, []api.Container{container("1", "1Gi"), container("1", "1Gi")}, Resources{MilliCPU: 1000, Memory: 1 << 30, Pods: 1}},
		{"fractional memory rounds up", []api.Container{container("", "1500m")}, nil, Resources{Memory: 2, Pods: 1}},
		{"a sidecar adds to the containers", []api.Container{container("1", "1Gi")}, []api.Container{sidecar(container("500m", "256Mi"))},
			Resources{MilliCPU: 1500, Memory: 1<<30 + 256<<20, Pods: 1}},
		{"a sidecar adds to the init containers after it, not before", []api.Container{container("100m", "")},
			[]api.Container{container("3", ""), sidecar(container("1", "")), container("2500m", "")}, Resources{MilliCPU: 3500, Pods: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &api.Pod{Spec: api.PodSpec{Containers: tt.containers, InitContainers: tt.init}}
			if got := PodRequests(p); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestOwnerKey(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name string
		refs []api.OwnerReference
		want string
	}{
		{"none", nil, ""},
		{"controller by uid", []api.OwnerReference{{Kind: "ReplicaSet", Name: "web-1", UID: "u1", Controller: &yes}}, "ReplicaSet/u1"},
		{"controller without uid", []api.OwnerReference{{Kind: "StatefulSet", Name: "db", Controller: &yes}}, "StatefulSet/ns/db"},
		{"not a controller", []api.OwnerReference{{Kind: "ReplicaSet", Name: "a", UID: "u1", Controller: &no}, {Kind: "X", Name: "b", UID: "u2"}}, ""},
		{"second reference controls", []api.OwnerReference{{Kind: "X", Name: "a", UID: "u1"}, {Kind: "DaemonSet", Name: "b", UID: "u2", Controller: &yes}}, "DaemonSet/u2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &api.Pod{ObjectMeta: api.ObjectMeta{Namespace: "ns", OwnerReferences: tt.refs}}
			if got := ownerKey(p); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHostPorts(t *testing.T) {
	p := pod("x", hostPort(80), func(p *api.Pod) {
		p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports,
			api.ContainerPort{ContainerPort: 53, HostPort: 53, Protocol: api.ProtocolUDP},
			api.ContainerPort{ContainerPort: 9000}) // no host port
	})
	got := hostPorts(p)
	want := []uint32{80, 1<<16 | 53}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hostPorts (-want +got):\n%s", diff)
	}
}
