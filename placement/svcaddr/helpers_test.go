package svcaddr

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

var testCfg = Config{ServiceCIDR: netip.MustParsePrefix("10.43.0.0/16"), NodePorts: DefaultNodePortRange}

// svc builds a defaulted Service created age seconds after t0, with one
// TCP port 80 (named ports p0, p1... when more are given).
func svc(name string, age int, typ api.ServiceType, opts ...func(*api.Service)) *api.Service {
	ts := t0.Add(time.Duration(age) * time.Second)
	s := &api.Service{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + name, CreationTimestamp: &ts, ResourceVersion: "1"},
		Spec: api.ServiceSpec{
			Type:     typ,
			Selector: map[string]string{"app": name},
			Ports:    []api.ServicePort{{Port: 80}},
		},
	}
	if typ == api.ServiceTypeExternalName {
		s.Spec.Selector, s.Spec.Ports, s.Spec.ExternalName = nil, nil, "example.com"
	}
	for _, o := range opts {
		o(s)
	}
	api.Default(s)
	return s
}

func withIP(ip string) func(*api.Service) {
	return func(s *api.Service) { s.Spec.ClusterIP = ip }
}

// withPorts replaces the ports: each "PROTO/PORT" or "PROTO/PORT:NODEPORT".
func withPorts(specs ...string) func(*api.Service) {
	return func(s *api.Service) {
		s.Spec.Ports = nil
		for i, spec := range specs {
			proto, rest, _ := strings.Cut(spec, "/")
			port, node, _ := strings.Cut(rest, ":")
			p := api.ServicePort{Protocol: api.Protocol(proto), Port: atoi(port), NodePort: atoi(node)}
			if len(specs) > 1 {
				p.Name = "p" + itoa(i)
			}
			s.Spec.Ports = append(s.Spec.Ports, p)
		}
	}
}

func withLBStatus(ips ...string) func(*api.Service) {
	return func(s *api.Service) {
		for _, ip := range ips {
			s.Status.LoadBalancer.Ingress = append(s.Status.LoadBalancer.Ingress, api.LoadBalancerIngress{IP: ip})
		}
	}
}

func atoi(s string) int32 {
	n := int32(0)
	for _, c := range s {
		n = n*10 + int32(c-'0')
	}
	return n
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// applied returns services with the decisions applied, as the leader's
// commit would leave them.
func applied(services []*api.Service, ds []Decision) []*api.Service {
	by := map[string]*api.Service{}
	for _, d := range ds {
		by[name(d.Service)] = d.Service
	}
	out := make([]*api.Service, len(services))
	for i, s := range services {
		out[i] = s
		if n := by[name(s)]; n != nil {
			out[i] = n
		}
	}
	return out
}

// allocateAll runs Allocate and fails the test unless a second pass over
// the result changes nothing (a fixpoint, apart from warnings).
func allocateAll(t *testing.T, cfg Config, services []*api.Service, nodes []netip.Addr) (map[string]*api.Service, map[string][]Warning) {
	t.Helper()
	ds := Allocate(cfg, services, nodes)
	after := applied(services, ds)
	for _, d := range Allocate(cfg, after, nodes) {
		if d.SpecChanged || d.StatusChanged {
			t.Fatalf("second pass changed %s (spec %v, status %v), want a fixpoint", name(d.Service), d.SpecChanged, d.StatusChanged)
		}
	}
	out := map[string]*api.Service{}
	for _, s := range after {
		out[s.Name] = s
	}
	warns := map[string][]Warning{}
	for _, d := range ds {
		if len(d.Warnings) > 0 {
			warns[d.Service.Name] = d.Warnings
		}
	}
	return out, warns
}
