package svcaddr

import (
	"net/netip"
	"strconv"
	"testing"

	"github.com/shoal-dev/shoal/api"
	"pgregory.net/rapid"
)

// TestAllocateProperty allocates for random sets of Services in a /28
// and a 4-port range, some pinning addresses (valid, conflicting or out
// of range), and checks what must hold whatever the input: no address
// twice, everything in range, a free pinned address is honoured for the
// oldest Service that pins it, nobody lacks an address while one is
// free, and a second pass changes nothing.
func TestAllocateProperty(t *testing.T) {
	cfg := Config{ServiceCIDR: netip.MustParsePrefix("10.43.0.0/28"), NodePorts: PortRange{Low: 30000, High: 30003}}
	types := []api.ServiceType{api.ServiceTypeClusterIP, api.ServiceTypeNodePort, api.ServiceTypeLoadBalancer, api.ServiceTypeExternalName}
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(0, 16).Draw(rt, "services")
		var services []*api.Service
		for i := range n {
			typ := rapid.SampledFrom(types).Draw(rt, "type")
			s := svc("s"+strconv.Itoa(i), rapid.IntRange(0, 3).Draw(rt, "age"), typ)
			if typ != api.ServiceTypeExternalName {
				if rapid.IntRange(0, 3).Draw(rt, "pin ip") == 0 {
					s.Spec.ClusterIP = "10.43.0." + strconv.Itoa(rapid.IntRange(0, 17).Draw(rt, "ip"))
				} else if typ == api.ServiceTypeClusterIP && rapid.IntRange(0, 5).Draw(rt, "headless") == 0 {
					s.Spec.ClusterIP = api.ClusterIPNone
				}
				s.Spec.ClusterIPs = nil
				if s.HasNodePorts() && rapid.Bool().Draw(rt, "pin node port") {
					s.Spec.Ports[0].NodePort = int32(rapid.IntRange(29999, 30004).Draw(rt, "node port"))
				}
				s.Spec.Ports[0].Port = int32(rapid.IntRange(80, 81).Draw(rt, "port"))
			}
			services = append(services, s)
		}
		ds := Allocate(cfg, services, addrs("192.0.2.1"))
		warned := map[string]map[string]bool{}
		for _, d := range ds {
			for _, w := range d.Warnings {
				if warned[d.Service.Name] == nil {
					warned[d.Service.Name] = map[string]bool{}
				}
				warned[d.Service.Name][w.Reason] = true
			}
		}
		after := applied(services, ds)
		for _, d := range Allocate(cfg, after, addrs("192.0.2.1")) {
			if d.SpecChanged || d.StatusChanged {
				rt.Fatalf("second pass changed %s, want a fixpoint", d.Service.Name)
			}
		}
		ips := map[string]string{}
		ports := map[string]string{}
		lacking := false
		for _, s := range after {
			if !needsIP(s) {
				if s.IsExternalName() && s.Spec.ClusterIP != "" {
					rt.Fatalf("%s: ExternalName got cluster IP %q", s.Name, s.Spec.ClusterIP)
				}
				continue
			}
			switch ip := s.Spec.ClusterIP; {
			case ip == "":
				lacking = true
				if !warned[s.Name][ReasonClusterIPsExhausted] {
					rt.Fatalf("%s: got no cluster IP and no exhaustion warning", s.Name)
				}
			case ips[ip] != "":
				rt.Fatalf("%s and %s: got the same cluster IP %s", ips[ip], s.Name, ip)
			default:
				off, in := offsetOf(cfg.ServiceCIDR, netip.MustParseAddr(ip))
				if !in || off < 1 || off > 14 {
					rt.Fatalf("%s: got cluster IP %s, want an assignable address of %s", s.Name, ip, cfg.ServiceCIDR)
				}
				ips[ip] = s.Name
			}
			if !s.HasNodePorts() {
				if s.Spec.Ports[0].NodePort != 0 {
					rt.Fatalf("%s: type %s got node port %d", s.Name, s.Spec.Type, s.Spec.Ports[0].NodePort)
				}
				continue
			}
			np := s.Spec.Ports[0].NodePort
			key := protocol(s.Spec.Ports[0]) + "/" + strconv.Itoa(int(np))
			switch {
			case np == 0:
				if !warned[s.Name][ReasonNodePortsExhausted] {
					rt.Fatalf("%s: got no node port and no exhaustion warning", s.Name)
				}
			case !cfg.NodePorts.Contains(np):
				rt.Fatalf("%s: got node port %d outside %s", s.Name, np, cfg.NodePorts)
			case ports[key] != "":
				rt.Fatalf("%s and %s: got the same node port %s", ports[key], s.Name, key)
			}
			ports[key] = s.Name
		}
		// Twelve dynamic addresses; the pinned .1 and .10 may add two.
		if lacking && len(ips) < 12 {
			rt.Fatalf("a service lacks a cluster IP while only %d of 12 are taken", len(ips))
		}
		// The oldest Service pinning a valid address gets it.
		pinned := map[string]bool{}
		for _, w := range newAllocation(cfg, services).work {
			s := w.in
			ip := s.Spec.ClusterIP
			if !needsIP(s) || ip == "" || pinned[ip] {
				continue
			}
			pinned[ip] = true
			if off, in := offsetOf(cfg.ServiceCIDR, netip.MustParseAddr(ip)); in && off >= 1 && off <= 14 && ips[ip] != s.Name {
				rt.Fatalf("%s: pinned %s first but %q got it", s.Name, ip, ips[ip])
			}
		}
	})
}
