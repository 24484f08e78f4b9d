package netsvc

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/netsvc/endpoints"
)

// BuildServices turns cluster state into the data plane's model for node:
// one Service per service that has a virtual IP, each port with its ready
// endpoints. It is pure; the Proxy calls it on every change with the whole
// replica and hands the result to the Table.
//
//   - Headless and ExternalName services, and services whose clusterIP the
//     leader has not allocated yet (empty or not an IP), are left out.
//   - Endpoints come from endpoints.Compute: only its addresses (ready,
//     not terminating pods) are used, never notReadyAddresses. With
//     publishNotReadyAddresses, addresses include not-ready pods, and
//     traffic goes to them too: Kubernetes' EndpointSlice controller marks
//     such endpoints ready, and kube-proxy sends to ready endpoints. Pods
//     being deleted never receive new connections (Kubernetes would still
//     use them with publishNotReadyAddresses, or as a last resort for
//     externalTrafficPolicy Local; Shoal does neither).
//   - LoadBalancerIPs are status.loadBalancer.ingress[].ip of LoadBalancer
//     services; node ports only for NodePort and LoadBalancer services.
//   - An endpoint is Local when its pod's node is node.
//
// The output is sorted (services by namespace and name, ports by number and
// protocol, endpoints by address and port, addresses ascending), so equal
// inputs give equal output.
func BuildServices(node string, services []*api.Service, pods []*api.Pod) []Service {
	ix := endpoints.NewIndex(pods)
	out := make([]Service, 0, len(services))
	for _, svc := range services {
		if s, _, ok := modelService(node, svc, ix.Select(svc.Namespace, svc.Spec.Selector)); ok {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, compareServices)
	return out
}

func compareServices(a, b Service) int {
	return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name))
}

// modelService builds one service from the pods that may be its endpoints
// (any pods; Compute picks). ok is false for services the data plane
// leaves alone (no virtual IP). ep is the Endpoints it used.
func modelService(node string, svc *api.Service, candidates []*api.Pod) (s Service, ep *api.Endpoints, ok bool) {
	ip, ok := clusterIP(svc)
	if !ok {
		return Service{}, nil, false
	}
	ep = endpoints.Compute(svc, candidates)
	s = Service{
		Namespace:       svc.Namespace,
		Name:            svc.Name,
		ClusterIP:       ip,
		ExternalIPs:     parseAddrs(svc.Spec.ExternalIPs),
		AffinityTimeout: time.Duration(svc.AffinityTimeout()) * time.Second,
		ExternalLocal:   svc.Spec.ExternalTrafficPolicy == api.TrafficPolicyLocal,
		InternalLocal:   svc.Spec.InternalTrafficPolicy == api.TrafficPolicyLocal,
	}
	if svc.Spec.Type == api.ServiceTypeLoadBalancer {
		var ips []string
		for _, in := range svc.Status.LoadBalancer.Ingress {
			ips = append(ips, in.IP)
		}
		s.LoadBalancerIPs = parseAddrs(ips)
	}
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		if sp.Port < 1 || sp.Port > 65535 {
			continue
		}
		p := ServicePort{Name: sp.Name, Protocol: protocolOf(sp.Protocol), Port: uint16(sp.Port)}
		if svc.HasNodePorts() && sp.NodePort > 0 && sp.NodePort <= 65535 {
			p.NodePort = uint16(sp.NodePort)
		}
		p.Endpoints = portEndpoints(node, ep, p)
		s.Ports = append(s.Ports, p)
	}
	slices.SortFunc(s.Ports, func(a, b ServicePort) int {
		return cmp.Or(cmp.Compare(a.Port, b.Port), strings.Compare(string(a.Protocol), string(b.Protocol)))
	})
	return s, ep, true
}

// portEndpoints lists the ready addresses of ep under the endpoint ports
// that service port p resolved to.
func portEndpoints(node string, ep *api.Endpoints, p ServicePort) []Endpoint {
	var out []Endpoint
	for _, ss := range ep.Subsets {
		for _, epp := range ss.Ports {
			if epp.Name != p.Name || epp.Protocol != p.Protocol || epp.Port < 1 || epp.Port > 65535 {
				continue
			}
			for _, a := range ss.Addresses {
				ip, err := netip.ParseAddr(a.IP)
				if err != nil {
					continue
				}
				out = append(out, Endpoint{Addr: ip, Port: uint16(epp.Port), Local: a.NodeName == node})
			}
		}
	}
	slices.SortFunc(out, func(a, b Endpoint) int {
		return cmp.Or(a.Addr.Compare(b.Addr), cmp.Compare(a.Port, b.Port))
	})
	return out
}

// clusterIP returns the service's virtual IP, if it has one yet.
func clusterIP(svc *api.Service) (netip.Addr, bool) {
	if svc.IsExternalName() || svc.IsHeadless() || svc.Spec.ClusterIP == "" {
		return netip.Addr{}, false
	}
	ip, err := netip.ParseAddr(svc.Spec.ClusterIP)
	return ip, err == nil
}

// parseAddrs parses, sorts and de-duplicates addresses, skipping invalid
// ones (validation refuses them at apply).
func parseAddrs(ss []string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		if ip, err := netip.ParseAddr(s); err == nil {
			out = append(out, ip)
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return slices.Compact(out)
}

func protocolOf(p api.Protocol) api.Protocol {
	if p == "" {
		return api.ProtocolTCP
	}
	return p
}
