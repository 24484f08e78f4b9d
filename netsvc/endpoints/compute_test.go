package endpoints

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shoal-dev/shoal/api"
)

func TestCompute(t *testing.T) {
	tcp, udp := api.ProtocolTCP, api.ProtocolUDP
	http := api.FromString("http")
	a1 := addr("default", "a", "n1", "10.42.1.10")
	b1 := addr("default", "b", "n2", "10.42.2.5")
	c1 := addr("default", "c", "n1", "10.42.1.9")
	withHost := func(a api.EndpointAddress, h string) api.EndpointAddress { a.Hostname = h; return a }
	tests := []struct {
		name string
		svc  *api.Service
		pods []*api.Pod
		want []api.EndpointSubset
	}{
		{
			name: "ready pods on several nodes sorted by IP",
			svc:  svc(),
			pods: []*api.Pod{pod("default", "a", "n1", "10.42.1.10"), pod("default", "b", "n2", "10.42.2.5"), pod("default", "c", "n1", "10.42.1.9")},
			want: []api.EndpointSubset{{Addresses: []api.EndpointAddress{c1, a1, b1}, Ports: []api.EndpointPort{eport("", 8080, tcp)}}},
		},
		{
			name: "not ready pod is listed as not ready",
			svc:  svc(),
			pods: []*api.Pod{pod("default", "a", "n1", "10.42.1.10"), pod("default", "b", "n2", "10.42.2.5", notReady)},
			want: []api.EndpointSubset{{Addresses: []api.EndpointAddress{a1}, NotReadyAddresses: []api.EndpointAddress{b1}, Ports: []api.EndpointPort{eport("", 8080, tcp)}}},
		},
		{
			name: "terminating ready pod leaves addresses",
			svc:  svc(),
			pods: []*api.Pod{pod("default", "a", "n1", "10.42.1.10", terminating), pod("default", "b", "n2", "10.42.2.5")},
			want: []api.EndpointSubset{{Addresses: []api.EndpointAddress{b1}, NotReadyAddresses: []api.EndpointAddress{a1}, Ports: []api.EndpointPort{eport("", 8080, tcp)}}},
		},
		{
			name: "publishNotReadyAddresses publishes not ready but not terminating pods",
			svc:  svc(func(s *api.Service) { s.Spec.PublishNotReadyAddresses = true }),
			pods: []*api.Pod{pod("default", "a", "n1", "10.42.1.10", terminating), pod("default", "b", "n2", "10.42.2.5", notReady), pod("default", "c", "n1", "10.42.1.9")},
			want: []api.EndpointSubset{{Addresses: []api.EndpointAddress{c1, b1}, NotReadyAddresses: []api.EndpointAddress{a1}, Ports: []api.EndpointPort{eport("", 8080, tcp)}}},
		},
		{
			name: "pods without IP, node or future are left out",
			svc:  svc(),
			pods: []*api.Pod{
				pod("default", "noip", "n1", ""),
				pod("default", "badip", "n1", "not-an-ip"),
				pod("default", "nonode", "", "10.42.1.3"),
				pod("default", "done", "n1", "10.42.1.4", phase(api.PodSucceeded)),
				pod("default", "failed", "n1", "10.42.1.5", phase(api.PodFailed)),
				pod("default", "a", "n1", "10.42.1.10"),
			},
			want: []api.EndpointSubset{{Addresses: []api.EndpointAddress{a1}, Ports: []api.EndpointPort{eport("", 8080, tcp)}}},
		},
		{
			name: "pods of other namespaces or labels are left out",
			svc:  svc(func(s *api.Service) { s.Spec.Selector = map[string]string{"app": "web", "tier": "front"} }),
			pods: []*api.Pod{
				pod("other", "x", "n1", "10.42.1.3", labels("app", "web", "tier", "front")),
				pod("default", "y", "n1", "10.42.1.4", labels("app", "web")),
				pod("default", "z", "n1", "10.42.1.5", labels("app", "db", "tier", "front")),
				pod("default", "a", "n1", "10.42.1.10", labels("app", "web", "tier", "front", "extra", "1")),
			},
			want: []api.EndpointSubset{{Addresses: []api.EndpointAddress{a1}, Ports: []api.EndpointPort{eport("", 8080, tcp)}}},
		},
		{
			name: "no selector has no subsets",
			svc:  svc(func(s *api.Service) { s.Spec.Selector = nil }),
			pods: []*api.Pod{pod("default", "a", "n1", "10.42.1.10")},
		},
		{
			name: "ExternalName has no subsets",
			svc: svc(func(s *api.Service) {
				s.Spec.Type, s.Spec.ExternalName, s.Spec.ClusterIP, s.Spec.Ports = api.ServiceTypeExternalName, "db.example.com", "", nil
			}),
			pods: []*api.Pod{pod("default", "a", "n1", "10.42.1.10")},
		},
		{
			name: "named port resolves per pod, pods without it are left out",
			svc:  svc(svcPorts(sport("", 80, http, tcp))),
			pods: []*api.Pod{
				pod("default", "a", "n1", "10.42.1.10", ports(cport("http", 8080, tcp))),
				pod("default", "b", "n2", "10.42.2.5", ports(cport("http", 8080, udp))),
				pod("default", "c", "n1", "10.42.1.9", ports(cport("web", 8080, tcp))),
			},
			want: []api.EndpointSubset{{Addresses: []api.EndpointAddress{a1}, Ports: []api.EndpointPort{eport("", 8080, tcp)}}},
		},
		{
			name: "named port resolving to different numbers gives several subsets",
			svc:  svc(svcPorts(sport("web", 80, http, tcp))),
			pods: []*api.Pod{
				pod("default", "a", "n1", "10.42.1.10", ports(cport("http", 8080, tcp))),
				pod("default", "b", "n2", "10.42.2.5", ports(cport("http", 9090, tcp))),
				pod("default", "c", "n1", "10.42.1.9", ports(cport("http", 8080, tcp)), notReady),
			},
			want: []api.EndpointSubset{
				{Addresses: []api.EndpointAddress{a1}, NotReadyAddresses: []api.EndpointAddress{c1}, Ports: []api.EndpointPort{eport("web", 8080, tcp)}},
				{Addresses: []api.EndpointAddress{b1}, Ports: []api.EndpointPort{eport("web", 9090, tcp)}},
			},
		},
		{
			name: "multi-port service keeps ports together",
			svc: svc(svcPorts(
				sport("metrics", 9100, api.FromInt32(9100), tcp),
				sport("dns", 53, api.FromString("dns"), udp),
				sport("dns-tcp", 53, api.FromString("dns"), tcp),
			)),
			pods: []*api.Pod{
				pod("default", "a", "n1", "10.42.1.10", ports(cport("dns", 5353, udp), cport("dns", 5353, tcp))),
				pod("default", "b", "n2", "10.42.2.5", ports(cport("dns", 5353, udp), cport("dns", 5353, tcp))),
			},
			want: []api.EndpointSubset{{Addresses: []api.EndpointAddress{a1, b1}, Ports: []api.EndpointPort{
				eport("dns", 5353, udp), eport("dns-tcp", 5353, tcp), eport("metrics", 9100, tcp),
			}}},
		},
		{
			name: "pod lacking one named port is listed only under the others",
			svc: svc(svcPorts(
				sport("http", 80, http, tcp),
				sport("admin", 81, api.FromString("admin"), tcp),
			)),
			pods: []*api.Pod{
				pod("default", "a", "n1", "10.42.1.10", ports(cport("http", 8080, tcp), cport("admin", 8081, tcp))),
				pod("default", "b", "n2", "10.42.2.5", ports(cport("http", 8080, tcp))),
			},
			want: []api.EndpointSubset{
				{Addresses: []api.EndpointAddress{a1}, Ports: []api.EndpointPort{eport("admin", 8081, tcp)}},
				{Addresses: []api.EndpointAddress{a1, b1}, Ports: []api.EndpointPort{eport("http", 8080, tcp)}},
			},
		},
		{
			name: "targetPort 0 means the service port, appProtocol is kept",
			svc:  svc(svcPorts(api.ServicePort{Name: "grpc", Port: 50051, Protocol: tcp, AppProtocol: "grpc"})),
			pods: []*api.Pod{pod("default", "a", "n1", "10.42.1.10")},
			want: []api.EndpointSubset{{Addresses: []api.EndpointAddress{a1}, Ports: []api.EndpointPort{
				{Name: "grpc", Port: 50051, Protocol: tcp, AppProtocol: "grpc"},
			}}},
		},
		{
			name: "headless service without ports lists pods without ports",
			svc:  svc(func(s *api.Service) { s.Spec.ClusterIP, s.Spec.Ports = api.ClusterIPNone, nil }),
			pods: []*api.Pod{pod("default", "a", "n1", "10.42.1.10"), pod("default", "b", "n2", "10.42.2.5", notReady)},
			want: []api.EndpointSubset{{Addresses: []api.EndpointAddress{a1}, NotReadyAddresses: []api.EndpointAddress{b1}}},
		},
		{
			name: "headless service with ports",
			svc:  svc(func(s *api.Service) { s.Spec.ClusterIP = api.ClusterIPNone }),
			pods: []*api.Pod{pod("default", "a", "n1", "10.42.1.10")},
			want: []api.EndpointSubset{{Addresses: []api.EndpointAddress{a1}, Ports: []api.EndpointPort{eport("", 8080, tcp)}}},
		},
		{
			name: "hostname only when the subdomain names the service",
			svc:  svc(),
			pods: []*api.Pod{
				pod("default", "a", "n1", "10.42.1.10", hostname("web-0", "web")),
				pod("default", "b", "n2", "10.42.2.5", hostname("web-1", "other")),
			},
			want: []api.EndpointSubset{{Addresses: []api.EndpointAddress{withHost(a1, "web-0"), b1}, Ports: []api.EndpointPort{eport("", 8080, tcp)}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compute(tt.svc, tt.pods)
			if diff := cmp.Diff(tt.want, got.Subsets); diff != "" {
				t.Errorf("subsets (-want +got):\n%s", diff)
			}
			// Input order must not matter.
			rev := slices.Clone(tt.pods)
			slices.Reverse(rev)
			if diff := cmp.Diff(got, Compute(tt.svc, rev)); diff != "" {
				t.Errorf("reversed input gives other endpoints (-forward +reversed):\n%s", diff)
			}
		})
	}
}

func TestComputeMetadata(t *testing.T) {
	s := svc()
	got := Compute(s, nil)
	want := &api.Endpoints{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Endpoints"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "web", Labels: map[string]string{"tier": "front"},
			CreationTimestamp: s.CreationTimestamp},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("endpoints (-want +got):\n%s", diff)
	}
	got.Labels["tier"] = "changed"
	if s.Labels["tier"] != "front" {
		t.Errorf("changing the endpoints' labels changed the service's: got %q, want %q", s.Labels["tier"], "front")
	}
}

func TestIndexSelect(t *testing.T) {
	pods := []*api.Pod{
		pod("default", "a", "n1", "10.42.1.1", labels("app", "web", "tier", "front")),
		pod("default", "b", "n1", "10.42.1.2", labels("app", "web")),
		pod("other", "c", "n1", "10.42.1.3", labels("app", "web", "tier", "front")),
		pod("default", "d", "n1", "10.42.1.4", labels("app", "db", "tier", "front")),
	}
	ix := NewIndex(pods)
	tests := []struct {
		name     string
		ns       string
		selector map[string]string
		want     []string
	}{
		{"one label", "default", map[string]string{"app": "web"}, []string{"a", "b"}},
		{"two labels", "default", map[string]string{"app": "web", "tier": "front"}, []string{"a"}},
		{"other namespace", "other", map[string]string{"app": "web"}, []string{"c"}},
		{"no match", "default", map[string]string{"app": "cache"}, nil},
		{"empty selector selects nothing", "default", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range ix.Select(tt.ns, tt.selector) {
				got = append(got, p.Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func BenchmarkCompute(b *testing.B) {
	s := svc(svcPorts(sport("http", 80, api.FromString("http"), api.ProtocolTCP)))
	pods := manyPods(1000)
	b.ReportAllocs()
	for b.Loop() {
		ep := Compute(s, pods)
		if n := len(ep.Subsets[0].Addresses); n != 1000 {
			b.Fatalf("got %d addresses, want 1000", n)
		}
	}
}
