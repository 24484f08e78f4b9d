package netsvc

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/shoal-dev/shoal/api"
)

// addrComparer lets cmp compare netip.Addr values.
var addrComparer = cmp.Comparer(func(a, b netip.Addr) bool { return a == b })

// bpod is a ready pod ns/name on node with ip, labelled app=APP, with a
// container port "http" on 8080.
func bpod(ns, name, app, node, ip string, opts ...func(*api.Pod)) *api.Pod {
	p := &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name, UID: "uid-" + ns + "-" + name, Labels: map[string]string{"app": app}},
		Spec: api.PodSpec{NodeName: node, Containers: []api.Container{{Name: "c", Image: "x",
			Ports: []api.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: api.ProtocolTCP}}}}},
		Status: api.PodStatus{Phase: api.PodRunning, PodIP: ip,
			Conditions: []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue}}},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func podNotReady(p *api.Pod) { p.Status.Conditions[0].Status = api.ConditionFalse }

func podTerminating(p *api.Pod) {
	t := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	p.DeletionTimestamp = &t
}

func podHTTPPort(n int32) func(*api.Pod) {
	return func(p *api.Pod) { p.Spec.Containers[0].Ports[0].ContainerPort = n }
}

// bsvc is a ClusterIP service ns/name selecting app=NAME with clusterIP ip
// and port 80 → "http".
func bsvc(ns, name, ip string, opts ...func(*api.Service)) *api.Service {
	s := &api.Service{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name},
		Spec: api.ServiceSpec{
			Type: api.ServiceTypeClusterIP, ClusterIP: ip, Selector: map[string]string{"app": name},
			Ports: []api.ServicePort{{Port: 80, Protocol: api.ProtocolTCP, TargetPort: api.FromString("http")}},
		},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

func TestBuildServices(t *testing.T) {
	vip := netip.MustParseAddr("10.43.0.10")
	web := func(ports ...ServicePort) Service {
		return Service{Namespace: "default", Name: "web", ClusterIP: vip, Ports: ports}
	}
	http := func(eps ...Endpoint) ServicePort {
		return ServicePort{Protocol: api.ProtocolTCP, Port: 80, Endpoints: eps}
	}
	three := []*api.Pod{
		bpod("default", "a", "web", "n1", "10.42.1.5"),
		bpod("default", "b", "web", "n2", "10.42.2.7"),
		bpod("default", "c", "web", "n3", "10.42.3.9", podNotReady),
	}
	tests := []struct {
		name     string
		services []*api.Service
		pods     []*api.Pod
		want     []Service
	}{
		{
			name:     "ready endpoints on several nodes, local ones marked",
			services: []*api.Service{bsvc("default", "web", "10.43.0.10")},
			pods:     three,
			want:     []Service{web(http(ep("10.42.1.5", 8080, true), ep("10.42.2.7", 8080, false)))},
		},
		{
			name: "headless, ExternalName and unallocated services are left out",
			services: []*api.Service{
				bsvc("default", "headless", api.ClusterIPNone),
				bsvc("default", "alias", "", func(s *api.Service) {
					s.Spec.Type, s.Spec.ExternalName, s.Spec.Ports = api.ServiceTypeExternalName, "db.example.com", nil
				}),
				bsvc("default", "new", ""),
				bsvc("default", "bad", "not-an-ip"),
			},
			pods: three,
			want: []Service{},
		},
		{
			name:     "service without endpoints keeps its ports",
			services: []*api.Service{bsvc("default", "web", "10.43.0.10")},
			pods:     []*api.Pod{bpod("default", "x", "web", "n1", "10.42.1.5", podNotReady), bpod("default", "y", "web", "n1", "10.42.1.6", podTerminating)},
			want:     []Service{web(http())},
		},
		{
			name: "publishNotReadyAddresses sends to not-ready pods but not to terminating ones",
			services: []*api.Service{bsvc("default", "web", "10.43.0.10", func(s *api.Service) {
				s.Spec.PublishNotReadyAddresses = true
			})},
			pods: append([]*api.Pod{bpod("default", "d", "web", "n1", "10.42.1.8", podTerminating)}, three...),
			want: []Service{web(http(ep("10.42.1.5", 8080, true), ep("10.42.2.7", 8080, false), ep("10.42.3.9", 8080, false)))},
		},
		{
			name:     "named port resolving differently per pod",
			services: []*api.Service{bsvc("default", "web", "10.43.0.10")},
			pods: []*api.Pod{
				bpod("default", "a", "web", "n1", "10.42.1.5", podHTTPPort(9090)),
				bpod("default", "b", "web", "n2", "10.42.1.4"),
			},
			want: []Service{web(http(ep("10.42.1.4", 8080, false), ep("10.42.1.5", 9090, true)))},
		},
		{
			name: "NodePort, external IPs, affinity and traffic policies",
			services: []*api.Service{bsvc("default", "web", "10.43.0.10", func(s *api.Service) {
				s.Spec.Type = api.ServiceTypeNodePort
				s.Spec.Ports = []api.ServicePort{
					{Name: "metrics", Port: 9100, NodePort: 30091, Protocol: api.ProtocolTCP, TargetPort: api.FromInt32(9100)},
					{Name: "http", Port: 80, NodePort: 30080, Protocol: api.ProtocolTCP, TargetPort: api.FromString("http")},
					{Name: "dns", Port: 80, NodePort: 30053, Protocol: api.ProtocolUDP, TargetPort: api.FromInt32(53)},
				}
				s.Spec.ExternalIPs = []string{"192.0.2.9", "192.0.2.1", "192.0.2.9"}
				s.Spec.SessionAffinity = api.SessionAffinityClientIP
				timeout := int32(60)
				s.Spec.SessionAffinityConfig = &api.SessionAffinityConfig{ClientIP: &api.ClientIPConfig{TimeoutSeconds: &timeout}}
				s.Spec.ExternalTrafficPolicy = api.TrafficPolicyLocal
				s.Spec.InternalTrafficPolicy = api.TrafficPolicyLocal
			})},
			pods: three[:1],
			want: []Service{{
				Namespace: "default", Name: "web", ClusterIP: vip,
				ExternalIPs:     addrs("192.0.2.1", "192.0.2.9"),
				AffinityTimeout: time.Minute, ExternalLocal: true, InternalLocal: true,
				Ports: []ServicePort{
					{Name: "http", Protocol: api.ProtocolTCP, Port: 80, NodePort: 30080, Endpoints: []Endpoint{ep("10.42.1.5", 8080, true)}},
					{Name: "dns", Protocol: api.ProtocolUDP, Port: 80, NodePort: 30053, Endpoints: []Endpoint{ep("10.42.1.5", 53, true)}},
					{Name: "metrics", Protocol: api.ProtocolTCP, Port: 9100, NodePort: 30091, Endpoints: []Endpoint{ep("10.42.1.5", 9100, true)}},
				},
			}},
		},
		{
			name: "ClusterIP service ignores a stray nodePort, default affinity timeout",
			services: []*api.Service{bsvc("default", "web", "10.43.0.10", func(s *api.Service) {
				s.Spec.Ports[0].NodePort = 30080
				s.Spec.SessionAffinity = api.SessionAffinityClientIP
			})},
			pods: three[:1],
			want: []Service{{Namespace: "default", Name: "web", ClusterIP: vip, AffinityTimeout: 3 * time.Hour,
				Ports: []ServicePort{http(ep("10.42.1.5", 8080, true))}}},
		},
		{
			name: "LoadBalancer IPs from status, pending has none",
			services: []*api.Service{
				bsvc("default", "web", "10.43.0.10", func(s *api.Service) {
					s.Spec.Type = api.ServiceTypeLoadBalancer
					s.Spec.Ports[0].NodePort = 30080
					s.Status.LoadBalancer.Ingress = []api.LoadBalancerIngress{{IP: "10.0.0.3"}, {IP: "10.0.0.1"}}
				}),
				bsvc("default", "pending", "10.43.0.11", func(s *api.Service) { s.Spec.Type = api.ServiceTypeLoadBalancer }),
			},
			pods: three[:1],
			want: []Service{
				{Namespace: "default", Name: "pending", ClusterIP: netip.MustParseAddr("10.43.0.11"), Ports: []ServicePort{http()}},
				{Namespace: "default", Name: "web", ClusterIP: vip, LoadBalancerIPs: addrs("10.0.0.1", "10.0.0.3"),
					Ports: []ServicePort{{Protocol: api.ProtocolTCP, Port: 80, NodePort: 30080, Endpoints: []Endpoint{ep("10.42.1.5", 8080, true)}}}},
			},
		},
		{
			name: "services sorted by namespace and name, pods matched per namespace",
			services: []*api.Service{
				bsvc("prod", "api", "10.43.0.3"),
				bsvc("default", "web", "10.43.0.10"),
				bsvc("default", "api", "10.43.0.2"),
			},
			pods: []*api.Pod{
				bpod("default", "a", "web", "n1", "10.42.1.5"),
				bpod("prod", "p", "api", "n2", "10.42.2.2"),
				bpod("default", "q", "api", "n1", "10.42.1.2"),
			},
			want: []Service{
				{Namespace: "default", Name: "api", ClusterIP: netip.MustParseAddr("10.43.0.2"), Ports: []ServicePort{http(ep("10.42.1.2", 8080, true))}},
				web(http(ep("10.42.1.5", 8080, true))),
				{Namespace: "prod", Name: "api", ClusterIP: netip.MustParseAddr("10.43.0.3"), Ports: []ServicePort{http(ep("10.42.2.2", 8080, false))}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := BuildServices("n1", tt.services, tt.pods)
			if diff := cmp.Diff(tt.want, got, addrComparer); diff != "" {
				t.Errorf("services (-want +got):\n%s", diff)
			}
		})
	}
}

// bigCluster returns n services with 5 ready pods each, over 10 nodes.
func bigCluster(n int) ([]*api.Service, []*api.Pod) {
	services := make([]*api.Service, n)
	pods := make([]*api.Pod, 0, 5*n)
	for i := range services {
		name := fmt.Sprintf("svc-%05d", i)
		services[i] = bsvc("default", name, fmt.Sprintf("10.43.%d.%d", i/250, i%250+1))
		for j := range 5 {
			k := 5*i + j
			pods = append(pods, bpod("default", fmt.Sprintf("%s-%d", name, j), name, fmt.Sprintf("n%d", k%10),
				fmt.Sprintf("10.%d.%d.%d", 42+k/65000, k/250%260, k%250+2)))
		}
	}
	return services, pods
}

func BenchmarkBuildServices(b *testing.B) {
	services, pods := bigCluster(10000)
	b.ReportAllocs()
	for b.Loop() {
		out := BuildServices("n1", services, pods)
		if len(out) != 10000 || len(out[0].Ports[0].Endpoints) != 5 {
			b.Fatalf("got %d services, %d endpoints in the first, want 10000 and 5", len(out), len(out[0].Ports[0].Endpoints))
		}
	}
}
