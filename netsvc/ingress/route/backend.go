package route

import (
	"net/netip"
	"slices"
	"strconv"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/netsvc/endpoints"
)

// backends makes the Backends of one Build: one per Ingress and service
// port, shared by every path that names it; endpoints are computed once
// per service port and shared by every Backend of it.
type backends struct {
	services map[nsName]*api.Service
	pods     []*api.Pod
	index    *endpoints.Index // built on first use
	byKey    map[backendKey]*Backend
	eps      map[svcPort][]netip.AddrPort
	all      []*Backend
}

type nsName struct{ namespace, name string }

type backendKey struct {
	ingress nsName
	service string
	port    api.ServiceBackendPort
}

type svcPort struct {
	svc  *api.Service
	port int // index in svc.Spec.Ports
}

func newBackends(services []*api.Service, pods []*api.Pod) *backends {
	bs := &backends{
		services: make(map[nsName]*api.Service, len(services)),
		pods:     pods,
		byKey:    map[backendKey]*Backend{},
		eps:      map[svcPort][]netip.AddrPort{},
	}
	for _, s := range services {
		bs.services[nsName{s.Namespace, s.Name}] = s
	}
	return bs
}

// get returns the Backend of ing's backend ib. A backend without a
// service (a resource backend, which Shoal does not serve), a missing
// service or a missing port gives a Backend without endpoints.
func (bs *backends) get(ing *api.Ingress, ib *api.IngressBackend) *Backend {
	k := backendKey{ingress: nsName{ing.Namespace, ing.Name}}
	if ib.Service != nil {
		k.service, k.port = ib.Service.Name, ib.Service.Port
	}
	if b := bs.byKey[k]; b != nil {
		return b
	}
	b := &Backend{
		Ingress:     api.Key{Kind: "Ingress", Namespace: ing.Namespace, Name: ing.Name},
		Port:        portText(k.port),
		SSLRedirect: ing.Annotations[api.AnnotationSSLRedirect] == "true",
	}
	if ib.Service != nil {
		b.Service = api.Key{Kind: "Service", Namespace: ing.Namespace, Name: k.service}
		if svc := bs.services[nsName{ing.Namespace, k.service}]; svc != nil {
			if i := servicePort(svc, k.port); i >= 0 {
				b.AppProtocol = svc.Spec.Ports[i].AppProtocol
				b.Endpoints = bs.endpoints(svcPort{svc, i})
			}
		}
	}
	bs.byKey[k] = b
	bs.all = append(bs.all, b)
	return b
}

func portText(p api.ServiceBackendPort) string {
	if p.Name != "" {
		return p.Name
	}
	if p.Number != 0 {
		return strconv.Itoa(int(p.Number))
	}
	return ""
}

// servicePort finds the service port an Ingress names: by name against
// the port's name, by number against its port (not its targetPort).
// Only TCP ports carry HTTP. -1: none.
func servicePort(svc *api.Service, p api.ServiceBackendPort) int {
	for i, sp := range svc.Spec.Ports {
		if sp.Protocol != "" && sp.Protocol != api.ProtocolTCP {
			continue
		}
		if (p.Name != "" && sp.Name == p.Name) || (p.Name == "" && p.Number != 0 && sp.Port == p.Number) {
			return i
		}
	}
	return -1
}

// endpoints returns the pod addresses behind one service port: pods the
// service selects that are placed, have a valid IP, are not finished, are
// Ready and are not terminating, each at the service port's target port
// (a named one resolved per pod; a pod without it is left out). Sorted,
// without duplicates. An ExternalName service has none.
func (bs *backends) endpoints(k svcPort) []netip.AddrPort {
	if eps, ok := bs.eps[k]; ok {
		return eps
	}
	var eps []netip.AddrPort
	if !k.svc.IsExternalName() && len(k.svc.Spec.Selector) > 0 {
		if bs.index == nil {
			bs.index = endpoints.NewIndex(bs.pods)
		}
		sp := &k.svc.Spec.Ports[k.port]
		for _, pod := range bs.index.Select(k.svc.Namespace, k.svc.Spec.Selector) {
			if ap, ok := podEndpoint(pod, sp); ok {
				eps = append(eps, ap)
			}
		}
		slices.SortFunc(eps, func(a, b netip.AddrPort) int { return a.Compare(b) })
		eps = slices.Compact(eps)
	}
	bs.eps[k] = eps
	return eps
}

func podEndpoint(pod *api.Pod, sp *api.ServicePort) (netip.AddrPort, bool) {
	ip, ok := endpoints.PodAddr(pod)
	if !ok || !endpoints.IsPodReady(pod) || endpoints.IsTerminating(pod) {
		return netip.AddrPort{}, false
	}
	port, ok := endpoints.TargetPort(pod, sp)
	if !ok || port < 1 || port > 65535 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ip.Unmap(), uint16(port)), true
}
