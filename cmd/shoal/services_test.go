package main

import (
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func svcFor(name string, edit func(*api.ServiceSpec, *api.ServiceStatus)) *api.Service {
	s := &api.Service{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name},
		Spec: api.ServiceSpec{Type: api.ServiceTypeClusterIP, ClusterIP: "10.43.0.10", Selector: map[string]string{"tier": "front", "app": "web"},
			Ports: []api.ServicePort{{Name: "http", Port: 80, Protocol: api.ProtocolTCP, TargetPort: api.FromString("http")}}},
	}
	if edit != nil {
		edit(&s.Spec, &s.Status)
	}
	return s
}

func TestServiceTable(t *testing.T) {
	tests := []struct {
		name string
		svc  *api.Service
		wide bool
		want string
	}{
		{
			name: "cluster IP",
			svc:  svcFor("web", nil),
			want: "NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\n" +
				"web    ClusterIP   10.43.0.10   <none>        80/TCP    <unknown>\n",
		},
		{
			name: "wide adds the selector",
			svc:  svcFor("web", nil),
			wide: true,
			want: "NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   SELECTOR             AGE\n" +
				"web    ClusterIP   10.43.0.10   <none>        80/TCP    app=web,tier=front   <unknown>\n",
		},
		{
			name: "headless",
			svc:  svcFor("db", func(s *api.ServiceSpec, _ *api.ServiceStatus) { s.ClusterIP, s.Ports = api.ClusterIPNone, nil }),
			want: "NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\n" +
				"db     ClusterIP   None         <none>        <none>    <unknown>\n",
		},
		{
			name: "not allocated yet, with external IPs",
			svc: svcFor("web", func(s *api.ServiceSpec, _ *api.ServiceStatus) {
				s.ClusterIP, s.ExternalIPs = "", []string{"192.0.2.1", "192.0.2.2"}
			}),
			want: "NAME   TYPE        CLUSTER-IP   EXTERNAL-IP           PORT(S)   AGE\n" +
				"web    ClusterIP   <none>       192.0.2.1,192.0.2.2   80/TCP    <unknown>\n",
		},
		{
			name: "node ports",
			svc: svcFor("web", func(s *api.ServiceSpec, _ *api.ServiceStatus) {
				s.Type = api.ServiceTypeNodePort
				s.Ports = []api.ServicePort{{Name: "http", Port: 80, NodePort: 30080, Protocol: api.ProtocolTCP}, {Name: "dns", Port: 53, NodePort: 30053, Protocol: api.ProtocolUDP}}
			}),
			want: "NAME   TYPE       CLUSTER-IP   EXTERNAL-IP   PORT(S)                     AGE\n" +
				"web    NodePort   10.43.0.10   <none>        80:30080/TCP,53:30053/UDP   <unknown>\n",
		},
		{
			name: "pending load balancer",
			svc: svcFor("web", func(s *api.ServiceSpec, _ *api.ServiceStatus) {
				s.Type, s.Ports[0].NodePort = api.ServiceTypeLoadBalancer, 30080
			}),
			want: "NAME   TYPE           CLUSTER-IP   EXTERNAL-IP   PORT(S)        AGE\n" +
				"web    LoadBalancer   10.43.0.10   <pending>     80:30080/TCP   <unknown>\n",
		},
		{
			name: "load balancer with ingress and external IPs",
			svc: svcFor("web", func(s *api.ServiceSpec, st *api.ServiceStatus) {
				s.Type, s.Ports[0].NodePort, s.ExternalIPs = api.ServiceTypeLoadBalancer, 30080, []string{"192.0.2.1"}
				st.LoadBalancer.Ingress = []api.LoadBalancerIngress{{IP: "10.0.0.1"}, {IP: "10.0.0.2"}, {IP: "10.0.0.3"}}
			}),
			want: "NAME   TYPE           CLUSTER-IP   EXTERNAL-IP                            PORT(S)        AGE\n" +
				"web    LoadBalancer   10.43.0.10   10.0.0.1,10.0.0.2,10.0.0.3,192.0.2.1   80:30080/TCP   <unknown>\n",
		},
		{
			name: "external name",
			svc: svcFor("db", func(s *api.ServiceSpec, _ *api.ServiceStatus) {
				s.Type, s.ClusterIP, s.ExternalName, s.Ports, s.Selector = api.ServiceTypeExternalName, "", "db.example.com", nil, nil
			}),
			wide: true,
			want: "NAME   TYPE           CLUSTER-IP   EXTERNAL-IP      PORT(S)   SELECTOR   AGE\n" +
				"db     ExternalName   <none>       db.example.com   <none>    <none>     <unknown>\n",
		},
	}
	kind, _ := api.LookupKind("svc")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := printTable(&b, kind, []api.Object{tt.svc}, tt.wide, false); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
}

func epAddrs(ips ...string) []api.EndpointAddress {
	var out []api.EndpointAddress
	for _, ip := range ips {
		out = append(out, api.EndpointAddress{IP: ip})
	}
	return out
}

func TestFormatEndpoints(t *testing.T) {
	http, admin := "http", "admin"
	tests := []struct {
		name    string
		subsets []api.EndpointSubset
		port    *string
		want    string
	}{
		{"none", nil, nil, "<none>"},
		{"only not ready", []api.EndpointSubset{{NotReadyAddresses: epAddrs("10.42.1.5"), Ports: []api.EndpointPort{{Port: 8080}}}}, nil, "<none>"},
		{"two", []api.EndpointSubset{{Addresses: epAddrs("10.42.1.5", "10.42.2.7"), Ports: []api.EndpointPort{{Port: 8080}}}}, nil,
			"10.42.1.5:8080,10.42.2.7:8080"},
		{"more than three", []api.EndpointSubset{
			{Addresses: epAddrs("10.42.1.5", "10.42.2.7"), Ports: []api.EndpointPort{{Name: "admin", Port: 8081}, {Name: "http", Port: 8080}}},
			{Addresses: epAddrs("10.42.3.9"), Ports: []api.EndpointPort{{Name: "http", Port: 9090}}},
		}, nil, "10.42.1.5:8081,10.42.2.7:8081,10.42.1.5:8080 + 2 more..."},
		{"one port of several", []api.EndpointSubset{
			{Addresses: epAddrs("10.42.1.5", "10.42.2.7"), Ports: []api.EndpointPort{{Name: "admin", Port: 8081}, {Name: "http", Port: 8080}}},
			{Addresses: epAddrs("10.42.3.9"), Ports: []api.EndpointPort{{Name: "http", Port: 9090}}},
		}, &http, "10.42.1.5:8080,10.42.2.7:8080,10.42.3.9:9090"},
		{"port with no address", []api.EndpointSubset{{Addresses: epAddrs("10.42.1.5"), Ports: []api.EndpointPort{{Name: "http", Port: 8080}}}}, &admin, "<none>"},
		{"headless without ports", []api.EndpointSubset{{Addresses: epAddrs("10.42.1.5", "fd00::5")}}, nil, "10.42.1.5,fd00::5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := formatEndpoints(&api.Endpoints{Subsets: tt.subsets}, tt.port)
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEndpointsTable(t *testing.T) {
	ep := &api.Endpoints{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Endpoints"},
		ObjectMeta: api.ObjectMeta{Namespace: "prod", Name: "web"},
		Subsets:    []api.EndpointSubset{{Addresses: epAddrs("10.42.1.5", "10.42.2.7"), Ports: []api.EndpointPort{{Port: 8080}}}},
	}
	kind, _ := api.LookupKind("ep")
	var b strings.Builder
	if err := printTable(&b, kind, []api.Object{ep}, false, true); err != nil {
		t.Fatal(err)
	}
	want := "NAMESPACE   NAME   ENDPOINTS                       AGE\n" +
		"prod        web    10.42.1.5:8080,10.42.2.7:8080   <unknown>\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestDescribeService(t *testing.T) {
	timeout := int32(600)
	s := svcFor("web", func(s *api.ServiceSpec, st *api.ServiceStatus) {
		s.Type = api.ServiceTypeLoadBalancer
		s.Ports = []api.ServicePort{
			{Name: "http", Port: 80, NodePort: 30080, Protocol: api.ProtocolTCP, TargetPort: api.FromString("http")},
			{Name: "admin", Port: 81, NodePort: 30081, Protocol: api.ProtocolTCP, TargetPort: api.FromInt32(8081)},
		}
		s.SessionAffinity = api.SessionAffinityClientIP
		s.SessionAffinityConfig = &api.SessionAffinityConfig{ClientIP: &api.ClientIPConfig{TimeoutSeconds: &timeout}}
		s.ExternalTrafficPolicy, s.InternalTrafficPolicy = api.TrafficPolicyLocal, api.TrafficPolicyCluster
		st.LoadBalancer.Ingress = []api.LoadBalancerIngress{{IP: "10.0.0.1"}, {IP: "10.0.0.2"}}
	})
	s.Labels = map[string]string{"tier": "front", "app": "web"}
	ep := &api.Endpoints{Subsets: []api.EndpointSubset{
		{Addresses: epAddrs("10.42.1.5"), Ports: []api.EndpointPort{{Name: "admin", Port: 8081}, {Name: "http", Port: 8080}}},
		{Addresses: epAddrs("10.42.2.7"), Ports: []api.EndpointPort{{Name: "http", Port: 9090}}},
	}}
	var b strings.Builder
	describeService(&b, s, ep)
	want := `Name:                    web
Namespace:               default
Labels:                  app=web
                         tier=front
Annotations:             <none>
Selector:                app=web,tier=front
Type:                    LoadBalancer
IP:                      10.43.0.10
LoadBalancer Ingress:    10.0.0.1, 10.0.0.2
Port:                    http  80/TCP
TargetPort:              http/TCP
NodePort:                http  30080/TCP
Endpoints:               10.42.1.5:8080,10.42.2.7:9090
Port:                    admin  81/TCP
TargetPort:              8081/TCP
NodePort:                admin  30081/TCP
Endpoints:               10.42.1.5:8081
Session Affinity:        ClientIP (timeout 600s)
External Traffic Policy: Local
Internal Traffic Policy: Cluster
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
