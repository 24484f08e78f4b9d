package svcaddr

import (
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

// wantIP fails unless s has exactly ip (clusterIP and clusterIPs).
func wantIP(t *testing.T, s *api.Service, ip string) {
	t.Helper()
	var ips []string
	if ip != "" {
		ips = []string{ip}
	}
	if s.Spec.ClusterIP != ip || !slices.Equal(s.Spec.ClusterIPs, ips) {
		t.Errorf("%s: got clusterIP %q clusterIPs %q, want %q", s.Name, s.Spec.ClusterIP, s.Spec.ClusterIPs, ip)
	}
}

// wantWarning fails unless ws holds a warning with reason whose message
// contains every one of subs.
func wantWarning(t *testing.T, who string, ws []Warning, reason string, subs ...string) {
	t.Helper()
	for _, w := range ws {
		if w.Reason != reason {
			continue
		}
		for _, s := range subs {
			if !strings.Contains(w.Message, s) {
				t.Errorf("%s: got %s warning %q, want it to mention %q", who, reason, w.Message, s)
			}
		}
		return
	}
	t.Errorf("%s: got warnings %+v, want one with reason %s", who, ws, reason)
}

func nodePorts(s *api.Service) []int32 {
	var out []int32
	for _, p := range s.Spec.Ports {
		out = append(out, p.NodePort)
	}
	return out
}

func ingress(s *api.Service) []string {
	var out []string
	for _, in := range s.Status.LoadBalancer.Ingress {
		out = append(out, in.IP)
	}
	return out
}

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

func TestAllocate(t *testing.T) {
	tiny := Config{ServiceCIDR: netip.MustParsePrefix("10.43.0.0/28"), NodePorts: PortRange{Low: 30000, High: 30001}}
	tests := []struct {
		name     string
		cfg      Config
		services []*api.Service
		nodes    []netip.Addr
		check    func(t *testing.T, got map[string]*api.Service, warns map[string][]Warning)
	}{
		{
			name: "fresh services get distinct dynamic addresses",
			cfg:  testCfg,
			services: []*api.Service{
				svc("a", 0, api.ServiceTypeClusterIP),
				svc("b", 1, api.ServiceTypeNodePort, withPorts("TCP/80", "UDP/53", "TCP/443")),
				svc("c", 2, api.ServiceTypeLoadBalancer),
			},
			check: func(t *testing.T, got map[string]*api.Service, warns map[string][]Warning) {
				seen := map[string]bool{}
				for _, s := range got {
					addr, err := netip.ParseAddr(s.Spec.ClusterIP)
					off, in := offsetOf(testCfg.ServiceCIDR, addr)
					// The lower band (offsets below 256 of a /16) is for
					// pinned addresses.
					if err != nil || !in || off < 256 || seen[s.Spec.ClusterIP] {
						t.Errorf("%s: got cluster IP %q, want a distinct address of the upper band of %s", s.Name, s.Spec.ClusterIP, testCfg.ServiceCIDR)
					}
					seen[s.Spec.ClusterIP] = true
					wantIP(t, s, s.Spec.ClusterIP)
				}
				if np := nodePorts(got["a"]); np[0] != 0 {
					t.Errorf("a: got node port %d, want none for type ClusterIP", np[0])
				}
				ports := map[int32]bool{}
				for _, s := range []*api.Service{got["b"], got["c"]} {
					for _, np := range nodePorts(s) {
						if np < 30000+86 || np > 32767 || ports[np] {
							t.Errorf("%s: got node port %d, want a distinct port of the upper band 30086-32767", s.Name, np)
						}
						ports[np] = true
					}
				}
				if len(warns) != 0 {
					t.Errorf("got warnings %v, want none", warns)
				}
			},
		},
		{
			name: "a manifest's own addresses are honoured, reserved ones included",
			cfg:  testCfg,
			services: []*api.Service{
				svc("dns", 0, api.ServiceTypeClusterIP, withIP("10.43.0.10"), withPorts("UDP/53", "TCP/53")),
				svc("web", 1, api.ServiceTypeNodePort, withIP("10.43.0.1"), withPorts("TCP/80:30000")),
				// The same node port for another protocol is no conflict.
				svc("udp", 2, api.ServiceTypeNodePort, withPorts("UDP/80:30000")),
			},
			check: func(t *testing.T, got map[string]*api.Service, warns map[string][]Warning) {
				wantIP(t, got["dns"], "10.43.0.10")
				wantIP(t, got["web"], "10.43.0.1")
				if np := nodePorts(got["web"]); !slices.Equal(np, []int32{30000}) {
					t.Errorf("web: got node ports %v, want [30000]", np)
				}
				if np := nodePorts(got["udp"]); !slices.Equal(np, []int32{30000}) {
					t.Errorf("udp: got node ports %v, want [30000]", np)
				}
				if len(warns) != 0 {
					t.Errorf("got warnings %v, want none", warns)
				}
			},
		},
		{
			name: "conflicts: the older service keeps the address, the newer gets another and a warning",
			cfg:  testCfg,
			services: []*api.Service{
				svc("new", 5, api.ServiceTypeNodePort, withIP("10.43.0.20"), withPorts("TCP/80:30080")),
				svc("old", 1, api.ServiceTypeNodePort, withIP("10.43.0.20"), withPorts("TCP/81:30080")),
			},
			check: func(t *testing.T, got map[string]*api.Service, warns map[string][]Warning) {
				wantIP(t, got["old"], "10.43.0.20")
				if np := nodePorts(got["old"]); !slices.Equal(np, []int32{30080}) {
					t.Errorf("old: got node ports %v, want [30080]", np)
				}
				if ip := got["new"].Spec.ClusterIP; ip == "10.43.0.20" || ip == "" {
					t.Errorf("new: got cluster IP %q, want another address", ip)
				}
				if np := nodePorts(got["new"]); np[0] == 30080 || np[0] == 0 {
					t.Errorf("new: got node port %d, want another port", np[0])
				}
				wantWarning(t, "new", warns["new"], ReasonClusterIPInUse, "10.43.0.20", "default/old")
				wantWarning(t, "new", warns["new"], ReasonNodePortInUse, "30080", "default/old")
				if len(warns["old"]) != 0 {
					t.Errorf("old: got warnings %v, want none", warns["old"])
				}
			},
		},
		{
			name: "a pinned address is not taken by an older service's dynamic allocation",
			cfg:  tiny,
			services: []*api.Service{
				svc("old", 0, api.ServiceTypeNodePort),
				// In a /28 allocation is first free from .2 (.1 is
				// reserved); the newer service pins .2 and port 30000.
				svc("new", 1, api.ServiceTypeNodePort, withIP("10.43.0.2"), withPorts("TCP/80:30000")),
			},
			check: func(t *testing.T, got map[string]*api.Service, warns map[string][]Warning) {
				wantIP(t, got["new"], "10.43.0.2")
				wantIP(t, got["old"], "10.43.0.3")
				if np := nodePorts(got["old"]); !slices.Equal(np, []int32{30001}) {
					t.Errorf("old: got node ports %v, want [30001]", np)
				}
				if len(warns) != 0 {
					t.Errorf("got warnings %v, want none", warns)
				}
			},
		},
		{
			name: "addresses outside the ranges are replaced with a warning",
			cfg:  Config{ServiceCIDR: testCfg.ServiceCIDR, NodePorts: PortRange{Low: 30000, High: 30999}},
			services: []*api.Service{
				svc("moved", 0, api.ServiceTypeNodePort, withIP("10.96.0.5"), withPorts("TCP/80:31000")),
				svc("net", 1, api.ServiceTypeClusterIP, withIP("10.43.0.0")),
				svc("bcast", 2, api.ServiceTypeClusterIP, withIP("10.43.255.255")),
			},
			check: func(t *testing.T, got map[string]*api.Service, warns map[string][]Warning) {
				for _, n := range []string{"moved", "net", "bcast"} {
					ip := got[n].Spec.ClusterIP
					if a, err := netip.ParseAddr(ip); err != nil || !testCfg.ServiceCIDR.Contains(a) || ip == "10.43.0.0" || ip == "10.43.255.255" {
						t.Errorf("%s: got cluster IP %q, want an assignable address of %s", n, ip, testCfg.ServiceCIDR)
					}
					wantWarning(t, n, warns[n], ReasonClusterIPOutOfRange, "10.43.0.0/16")
				}
				if np := nodePorts(got["moved"])[0]; np < 30000 || np > 30999 {
					t.Errorf("moved: got node port %d, want one of 30000-30999", np)
				}
				wantWarning(t, "moved", warns["moved"], ReasonNodePortOutOfRange, "31000", "30000-30999")
			},
		},
		{
			name: "exhaustion of a /28 and of a two-port range warns and allocates nothing",
			cfg:  tiny,
			services: func() []*api.Service {
				// A /28 has 14 assignable addresses, 12 without .1 and
				// .10; 13 services ask.
				var out []*api.Service
				for i := range 13 {
					out = append(out, svc("s"+itoa(i+10), i, api.ServiceTypeNodePort))
				}
				return out
			}(),
			check: func(t *testing.T, got map[string]*api.Service, warns map[string][]Warning) {
				seen := map[string]bool{}
				for i := range 12 {
					n := "s" + itoa(i+10)
					ip := got[n].Spec.ClusterIP
					if ip == "" || ip == "10.43.0.1" || ip == "10.43.0.10" || seen[ip] {
						t.Errorf("%s: got cluster IP %q, want a distinct unreserved address", n, ip)
					}
					seen[ip] = true
				}
				wantIP(t, got["s22"], "")
				wantWarning(t, "s22", warns["s22"], ReasonClusterIPsExhausted, "10.43.0.0/28")
				// Node ports: the two oldest get 30000 and 30001.
				for i := range 13 {
					n := "s" + itoa(i+10)
					np := nodePorts(got[n])[0]
					if i < 2 && np != int32(30000+i) || i >= 2 && np != 0 {
						t.Errorf("%s: got node port %d, want %d", n, np, map[bool]int32{true: int32(30000 + i), false: 0}[i < 2])
					}
					if i >= 2 {
						wantWarning(t, n, warns[n], ReasonNodePortsExhausted, "30000-30001")
					}
				}
			},
		},
		{
			name: "load balancers are reachable on the Ready nodes' addresses",
			cfg:  testCfg,
			services: []*api.Service{
				svc("lb", 0, api.ServiceTypeLoadBalancer, withLBStatus("192.0.2.9")),
				// Was a load balancer: its status is cleared.
				svc("was", 1, api.ServiceTypeClusterIP, withLBStatus("192.0.2.1")),
			},
			nodes: addrs("192.0.2.3", "192.0.2.1", "192.0.2.20", "192.0.2.3"),
			check: func(t *testing.T, got map[string]*api.Service, warns map[string][]Warning) {
				if in := ingress(got["lb"]); !slices.Equal(in, []string{"192.0.2.1", "192.0.2.3", "192.0.2.20"}) {
					t.Errorf("lb: got ingress %v, want the three node addresses sorted", in)
				}
				if in := ingress(got["was"]); in != nil {
					t.Errorf("was: got ingress %v, want none", in)
				}
			},
		},
		{
			name: "a load balancer whose port is taken stays pending with a warning",
			cfg:  testCfg,
			services: []*api.Service{
				svc("first", 0, api.ServiceTypeLoadBalancer, withPorts("TCP/80", "TCP/443")),
				svc("second", 1, api.ServiceTypeLoadBalancer, withPorts("TCP/8080", "TCP/443"), withLBStatus("192.0.2.1")),
				svc("udp", 2, api.ServiceTypeLoadBalancer, withPorts("UDP/80")),
				svc("np", 3, api.ServiceTypeNodePort, withPorts("TCP/80:30500")),
				svc("onnodeport", 4, api.ServiceTypeLoadBalancer, withPorts("TCP/30500")),
				svc("lbfirst", 5, api.ServiceTypeLoadBalancer, withPorts("TCP/30600")),
				svc("nplater", 6, api.ServiceTypeNodePort, withPorts("TCP/80:30600")),
			},
			nodes: addrs("192.0.2.1"),
			check: func(t *testing.T, got map[string]*api.Service, warns map[string][]Warning) {
				for n, want := range map[string][]string{"first": {"192.0.2.1"}, "second": nil, "udp": {"192.0.2.1"}, "onnodeport": nil} {
					if in := ingress(got[n]); !slices.Equal(in, want) {
						t.Errorf("%s: got ingress %v, want %v", n, in, want)
					}
				}
				wantWarning(t, "second", warns["second"], ReasonPortInUse, "TCP/443", "default/first", "pending")
				wantWarning(t, "onnodeport", warns["onnodeport"], ReasonPortInUse, "TCP/30500", "default/np")
				if in := ingress(got["lbfirst"]); !slices.Equal(in, []string{"192.0.2.1"}) {
					t.Errorf("lbfirst: got ingress %v, want it open", in)
				}
				if np := nodePorts(got["nplater"])[0]; np == 30600 || np == 0 {
					t.Errorf("nplater: got node port %d, want another than the load balancer's 30600", np)
				}
				wantWarning(t, "nplater", warns["nplater"], ReasonNodePortInUse, "30600", "LoadBalancer service default/lbfirst")
				if ip := got["second"].Spec.ClusterIP; ip == "" {
					t.Errorf("second: got no cluster IP, want one (only the load balancer is pending)")
				}
			},
		},
		{
			name: "headless and ExternalName services are left alone",
			cfg:  testCfg,
			services: []*api.Service{
				svc("headless", 0, api.ServiceTypeClusterIP, withIP("None")),
				svc("alias", 1, api.ServiceTypeExternalName),
			},
			check: func(t *testing.T, got map[string]*api.Service, warns map[string][]Warning) {
				if s := got["headless"]; s.Spec.ClusterIP != "None" || !slices.Equal(s.Spec.ClusterIPs, []string{"None"}) {
					t.Errorf("headless: got %q %q, want None [None]", s.Spec.ClusterIP, s.Spec.ClusterIPs)
				}
				if s := got["alias"]; s.Spec.ClusterIP != "" || s.Spec.ClusterIPs != nil {
					t.Errorf("alias: got %q %q, want no cluster IP", s.Spec.ClusterIP, s.Spec.ClusterIPs)
				}
			},
		},
		{
			name: "a type that opens no node ports loses them",
			cfg:  testCfg,
			services: []*api.Service{
				svc("back", 0, api.ServiceTypeNodePort, withIP("10.43.1.1"), withPorts("TCP/80:30080"), func(s *api.Service) { s.Spec.Type = api.ServiceTypeClusterIP }),
			},
			check: func(t *testing.T, got map[string]*api.Service, warns map[string][]Warning) {
				wantIP(t, got["back"], "10.43.1.1")
				if np := nodePorts(got["back"]); !slices.Equal(np, []int32{0}) {
					t.Errorf("back: got node ports %v, want none", np)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warns := allocateAll(t, tt.cfg, tt.services, tt.nodes)
			tt.check(t, got, warns)
		})
	}
}

func TestAllocateUnchangedGivesNothing(t *testing.T) {
	services := []*api.Service{
		svc("a", 0, api.ServiceTypeClusterIP, withIP("10.43.3.3")),
		svc("h", 1, api.ServiceTypeClusterIP, withIP("None")),
		svc("n", 2, api.ServiceTypeNodePort, withIP("10.43.3.4"), withPorts("TCP/80:30080")),
		svc("l", 3, api.ServiceTypeLoadBalancer, withIP("10.43.3.5"), withPorts("TCP/80:30081"), withLBStatus("192.0.2.1")),
	}
	if ds := Allocate(testCfg, services, addrs("192.0.2.1")); len(ds) != 0 {
		t.Fatalf("got %d decisions (first %+v), want none", len(ds), ds[0])
	}
}

func TestAllocateReleasesDeletedServices(t *testing.T) {
	tiny := Config{ServiceCIDR: netip.MustParsePrefix("10.43.0.0/28"), NodePorts: PortRange{Low: 30000, High: 30011}}
	var services []*api.Service
	for i := range 12 {
		services = append(services, svc("s"+itoa(i+10), i, api.ServiceTypeNodePort))
	}
	got, warns := allocateAll(t, tiny, services, nil)
	if len(warns) != 0 {
		t.Fatalf("got warnings %v, want none with 12 services in a /28", warns)
	}
	// Delete s15; a new service gets its address and node port, the
	// only free ones.
	freed := got["s15"]
	var next []*api.Service
	for _, s := range got {
		if s.Name != "s15" {
			next = append(next, s)
		}
	}
	next = append(next, svc("late", 100, api.ServiceTypeNodePort))
	after, warns := allocateAll(t, tiny, next, nil)
	if len(warns) != 0 {
		t.Fatalf("got warnings %v, want none after a delete", warns)
	}
	wantIP(t, after["late"], freed.Spec.ClusterIP)
	if np := nodePorts(after["late"]); !slices.Equal(np, nodePorts(freed)) {
		t.Errorf("late: got node ports %v, want the freed %v", np, nodePorts(freed))
	}
}

func TestAllocateIgnoresInputOrder(t *testing.T) {
	base := []*api.Service{
		svc("a", 0, api.ServiceTypeClusterIP),
		svc("b", 0, api.ServiceTypeNodePort, withIP("10.43.0.20"), withPorts("TCP/80:30080", "UDP/80")),
		svc("c", 1, api.ServiceTypeNodePort, withIP("10.43.0.20"), withPorts("TCP/80:30080")),
		svc("d", 2, api.ServiceTypeLoadBalancer, withPorts("TCP/80")),
		svc("e", 3, api.ServiceTypeLoadBalancer, withPorts("TCP/80")),
		svc("f", 4, api.ServiceTypeClusterIP, withIP("None")),
	}
	nodes := addrs("192.0.2.2", "192.0.2.1")
	want, err := json.Marshal(Allocate(testCfg, base, nodes))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		shuffled := slices.Clone(base)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		n := slices.Clone(nodes)
		r.Shuffle(len(n), func(i, j int) { n[i], n[j] = n[j], n[i] })
		got, err := json.Marshal(Allocate(testCfg, shuffled, n))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("shuffle %d: got %s, want %s", i, got, want)
		}
	}
}

func TestAllocateDoesNotModifyInput(t *testing.T) {
	services := []*api.Service{svc("a", 0, api.ServiceTypeLoadBalancer), svc("b", 1, api.ServiceTypeNodePort, withIP("10.43.0.20"))}
	before, _ := json.Marshal(services)
	Allocate(testCfg, services, addrs("192.0.2.1"))
	after, _ := json.Marshal(services)
	if string(before) != string(after) {
		t.Fatalf("got input changed to %s, want %s", after, before)
	}
}
