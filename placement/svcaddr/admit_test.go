package svcaddr

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func TestAdmit(t *testing.T) {
	stored := []*api.Service{
		svc("web", 0, api.ServiceTypeNodePort, withIP("10.43.1.1"), withPorts("TCP/80:30080", "TCP/443:30443")),
		svc("db", 1, api.ServiceTypeClusterIP, withIP("10.43.1.2")),
		svc("dns", 2, api.ServiceTypeClusterIP, withIP("None")),
		svc("lb", 3, api.ServiceTypeLoadBalancer, withIP("10.43.1.3"), withPorts("TCP/80:30090"), withLBStatus("192.0.2.1")),
		svc("lb7", 4, api.ServiceTypeLoadBalancer, withIP("10.43.1.4"), withPorts("TCP/30777:30091"), withLBStatus("192.0.2.1")),
	}
	byName := map[string]*api.Service{}
	for _, s := range stored {
		byName[s.Name] = s
	}
	tests := []struct {
		name string
		in   *api.Service
		// wantErr lists what the error must say; none means no error.
		wantErr []string
		// check looks at in after a successful Admit.
		check func(t *testing.T, in *api.Service)
	}{
		{
			name: "re-apply without addresses keeps the allocated ones",
			in:   svc("web", 0, api.ServiceTypeNodePort, withPorts("TCP/80", "TCP/443")),
			check: func(t *testing.T, in *api.Service) {
				wantIP(t, in, "10.43.1.1")
				if np := nodePorts(in); !slices.Equal(np, []int32{30080, 30443}) {
					t.Errorf("got node ports %v, want [30080 30443]", np)
				}
			},
		},
		{
			name: "node ports follow the port name, a port taken in the input is not reused",
			in:   svc("web", 0, api.ServiceTypeNodePort, withPorts("TCP/8443:30080", "TCP/443")),
			check: func(t *testing.T, in *api.Service) {
				// p0 pins 30080 itself; p1 (was 30443) keeps 30443.
				if np := nodePorts(in); !slices.Equal(np, []int32{30080, 30443}) {
					t.Errorf("got node ports %v, want [30080 30443]", np)
				}
			},
		},
		{
			name: "NodePort to ClusterIP drops the node ports",
			in:   svc("web", 0, api.ServiceTypeClusterIP, withPorts("TCP/80", "TCP/443")),
			check: func(t *testing.T, in *api.Service) {
				wantIP(t, in, "10.43.1.1")
				if np := nodePorts(in); !slices.Equal(np, []int32{0, 0}) {
					t.Errorf("got node ports %v, want none", np)
				}
			},
		},
		{
			name: "to ExternalName drops the cluster IP",
			in:   svc("db", 1, api.ServiceTypeExternalName),
			check: func(t *testing.T, in *api.Service) {
				wantIP(t, in, "")
			},
		},
		{
			name: "a headless service stays headless",
			in:   svc("dns", 2, api.ServiceTypeClusterIP),
			check: func(t *testing.T, in *api.Service) {
				if in.Spec.ClusterIP != "None" {
					t.Errorf("got clusterIP %q, want None", in.Spec.ClusterIP)
				}
			},
		},
		{
			name:    "the cluster IP is immutable",
			in:      svc("db", 1, api.ServiceTypeClusterIP, withIP("10.43.1.9")),
			wantErr: []string{"spec.clusterIP", "immutable", "10.43.1.2", "10.43.1.9"},
		},
		{
			name:    "headless to a cluster IP is a change of the cluster IP",
			in:      svc("dns", 2, api.ServiceTypeClusterIP, withIP("10.43.1.9")),
			wantErr: []string{"spec.clusterIP", "immutable"},
		},
		{
			name:    "headless to NodePort cannot keep None",
			in:      svc("dns", 2, api.ServiceTypeNodePort),
			wantErr: []string{"spec.clusterIP", "headless"},
		},
		{
			name:    "a cluster IP outside the service CIDR",
			in:      svc("new", 9, api.ServiceTypeClusterIP, withIP("10.96.0.1")),
			wantErr: []string{"spec.clusterIP", "10.96.0.1", "not in the service CIDR 10.43.0.0/16"},
		},
		{
			name:    "the network address of the service CIDR",
			in:      svc("new", 9, api.ServiceTypeClusterIP, withIP("10.43.0.0")),
			wantErr: []string{"spec.clusterIP", "network or broadcast"},
		},
		{
			name:    "a cluster IP another service holds",
			in:      svc("new", 9, api.ServiceTypeClusterIP, withIP("10.43.1.2")),
			wantErr: []string{"spec.clusterIP", "10.43.1.2", "already used by service default/db"},
		},
		{
			name: "a free pinned cluster IP, reserved ones included",
			in:   svc("new", 9, api.ServiceTypeClusterIP, withIP("10.43.0.10")),
			check: func(t *testing.T, in *api.Service) {
				wantIP(t, in, "10.43.0.10")
			},
		},
		{
			name:    "a node port outside the range",
			in:      svc("new", 9, api.ServiceTypeNodePort, withPorts("TCP/80:8080")),
			wantErr: []string{"spec.ports[0].nodePort", "8080", "outside the node-port range 30000-32767"},
		},
		{
			name:    "a node port another service holds for the same protocol",
			in:      svc("new", 9, api.ServiceTypeLoadBalancer, withPorts("TCP/80", "TCP/81:30090")),
			wantErr: []string{"spec.ports[1].nodePort", "TCP/30090", "already used by service default/lb"},
		},
		{
			name:    "a node port a load balancer opens",
			in:      svc("new", 9, api.ServiceTypeNodePort, withPorts("TCP/80:30777")),
			wantErr: []string{"TCP/30777", "already used by service default/lb7"},
		},
		{
			name: "the same node port for another protocol",
			in:   svc("new", 9, api.ServiceTypeNodePort, withPorts("UDP/80:30090")),
		},
		{
			name:    "an external IP in the service CIDR",
			in:      svc("new", 9, api.ServiceTypeClusterIP, func(s *api.Service) { s.Spec.ExternalIPs = []string{"192.0.2.7", "10.43.1.2"} }),
			wantErr: []string{"spec.externalIPs[1]", "10.43.1.2", "service CIDR"},
		},
		{
			name: "an external IP outside the service CIDR",
			in:   svc("new", 9, api.ServiceTypeClusterIP, func(s *api.Service) { s.Spec.ExternalIPs = []string{"192.0.2.7"} }),
		},
		{
			name:    "every problem at once",
			in:      svc("new", 9, api.ServiceTypeNodePort, withIP("10.43.1.1"), withPorts("TCP/80:30080", "TCP/81:1")),
			wantErr: []string{"default/web", "spec.ports[0].nodePort", "spec.ports[1].nodePort"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := NewIndex(stored)
			err := Admit(testCfg, tt.in, byName[tt.in.Name], x)
			switch {
			case len(tt.wantErr) == 0 && err != nil:
				t.Fatalf("got error %v, want none", err)
			case len(tt.wantErr) > 0 && err == nil:
				t.Fatalf("got no error, want one mentioning %q", tt.wantErr)
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("got error %q, want it to mention %q", err, s)
				}
			}
			if tt.check != nil {
				tt.check(t, tt.in)
			}
		})
	}
}

func TestAdmitChecksOneApplyAgainstItself(t *testing.T) {
	x := NewIndex(nil)
	first := svc("a", 0, api.ServiceTypeNodePort, withIP("10.43.2.2"), withPorts("TCP/80:30001"))
	if err := Admit(testCfg, first, nil, x); err != nil {
		t.Fatalf("first: got %v, want no error", err)
	}
	x.Put(first)
	second := svc("b", 0, api.ServiceTypeNodePort, withIP("10.43.2.2"), withPorts("TCP/80:30001"))
	err := Admit(testCfg, second, nil, x)
	if err == nil || !strings.Contains(err.Error(), "default/a") {
		t.Fatalf("second: got %v, want a conflict naming default/a", err)
	}
	// Re-putting a changed service frees what it no longer holds.
	moved := svc("a", 0, api.ServiceTypeClusterIP, withIP("10.43.2.3"))
	x.Put(moved)
	if err := Admit(testCfg, second, nil, x); err != nil {
		t.Fatalf("second after a moved: got %v, want no error", err)
	}
}

func TestPortRange(t *testing.T) {
	tests := []struct {
		in      string
		want    PortRange
		wantErr string
	}{
		{"30000-32767", DefaultNodePortRange, ""},
		{" 80 - 90 ", PortRange{80, 90}, ""},
		{"8080", PortRange{8080, 8080}, ""},
		{"0-10", PortRange{}, "1-65535"},
		{"30000-70000", PortRange{}, "1-65535"},
		{"32767-30000", PortRange{}, "above"},
		{"a-b", PortRange{}, "LOW-HIGH"},
		{"", PortRange{}, "LOW-HIGH"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePortRange(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, %v, want an error mentioning %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %v, %v, want %v", got, err, tt.want)
			}
		})
	}
}

func TestReservedAgentPorts(t *testing.T) {
	cfg := Config{
		ServiceCIDR: netip.MustParsePrefix("10.43.0.0/16"),
		NodePorts:   PortRange{Low: 7000, High: 8000},
		Reserved:    map[string]string{"TCP/7948": "the Shoal API (--api-port)"},
	}
	lb := func(port, nodePort int32) *api.Service {
		s := &api.Service{ObjectMeta: api.ObjectMeta{Name: "lb", Namespace: "default", UID: "u1"}}
		s.Spec.Type = api.ServiceTypeLoadBalancer
		s.Spec.Ports = []api.ServicePort{{Protocol: api.ProtocolTCP, Port: port, NodePort: nodePort}}
		return s
	}
	t.Run("apply refuses a load balancer on an agent port", func(t *testing.T) {
		err := Admit(cfg, lb(7948, 0), nil, NewIndex(nil))
		if err == nil || !strings.Contains(err.Error(), "spec.ports[0].port: TCP/7948 is reserved on every node for the Shoal API") {
			t.Fatalf("Admit = %v, want spec.ports[0].port reserved for the Shoal API", err)
		}
	})
	t.Run("apply refuses a node port on an agent port", func(t *testing.T) {
		err := Admit(cfg, lb(80, 7948), nil, NewIndex(nil))
		if err == nil || !strings.Contains(err.Error(), "spec.ports[0].nodePort: TCP/7948 is reserved") {
			t.Fatalf("Admit = %v, want spec.ports[0].nodePort reserved", err)
		}
	})
	t.Run("UDP on the same number is free", func(t *testing.T) {
		s := lb(7948, 0)
		s.Spec.Ports[0].Protocol = api.ProtocolUDP
		if err := Admit(cfg, s, nil, NewIndex(nil)); err != nil {
			t.Fatalf("Admit = %v, want nil", err)
		}
	})
	t.Run("allocation leaves it pending and never hands the port out", func(t *testing.T) {
		small := cfg
		small.NodePorts = PortRange{Low: 7948, High: 7949}
		s := lb(7948, 0)
		ds := Allocate(small, []*api.Service{s}, []netip.Addr{netip.MustParseAddr("10.99.0.1")})
		if len(ds) != 1 {
			t.Fatalf("got %d decisions, want 1", len(ds))
		}
		got := ds[0].Service
		if np := got.Spec.Ports[0].NodePort; np != 7949 {
			t.Errorf("node port = %d, want 7949 (7948 is reserved)", np)
		}
		if len(got.Status.LoadBalancer.Ingress) != 0 {
			t.Errorf("ingress = %v, want none (pending)", got.Status.LoadBalancer.Ingress)
		}
		if w := fmt.Sprint(ds[0].Warnings); !strings.Contains(w, "reserved on every node for the Shoal API") {
			t.Errorf("warnings = %s, want one saying the port is reserved for the Shoal API", w)
		}
	})
}
