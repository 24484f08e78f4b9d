package svcaddr

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/shoal-dev/shoal/api"
)

// Reasons of the warnings Allocate gives (they become Event reasons).
const (
	// ReasonClusterIPInUse: the Service's clusterIP is held by an older
	// Service; it is given another.
	ReasonClusterIPInUse = "ClusterIPInUse"
	// ReasonClusterIPOutOfRange: the Service's clusterIP is not an
	// assignable address of the service CIDR; it is given another.
	ReasonClusterIPOutOfRange = "ClusterIPOutOfRange"
	// ReasonClusterIPsExhausted: no cluster IP is free; the Service has
	// none until one is.
	ReasonClusterIPsExhausted = "ClusterIPsExhausted"
	// ReasonNodePortInUse: a nodePort is held by an older Service for the
	// same protocol; the port is given another.
	ReasonNodePortInUse = "NodePortInUse"
	// ReasonNodePortOutOfRange: a nodePort is outside the node-port
	// range; the port is given another.
	ReasonNodePortOutOfRange = "NodePortOutOfRange"
	// ReasonNodePortsExhausted: no node port is free for a port's
	// protocol; the port has none until one is.
	ReasonNodePortsExhausted = "NodePortsExhausted"
	// ReasonPortInUse: a LoadBalancer service's port is already opened on
	// the nodes for an older Service; this one stays pending (no ingress).
	ReasonPortInUse = "PortInUse"
)

// Decision is what Allocate decided for one Service.
type Decision struct {
	// Service is a copy of the input Service with its new addresses (when
	// SpecChanged) and load-balancer status (when StatusChanged); the
	// input itself when neither changed.
	Service *api.Service
	// SpecChanged is set when spec.clusterIP, spec.clusterIPs or a
	// nodePort changed.
	SpecChanged bool
	// StatusChanged is set when status.loadBalancer changed.
	StatusChanged bool
	// Warnings say why the Service did not get something it asked for or
	// needs. The same situation gives the same warnings on every pass.
	Warnings []Warning
}

// Warning is one reason a Service lacks an address.
type Warning struct {
	// Reason is a CamelCase word, one of the Reason constants.
	Reason string
	// Message names the address and, for a conflict, the other Service.
	Message string
}

// Allocate gives every Service the addresses it needs, from one view of
// all of them:
//
//   - a cluster IP, unless headless or ExternalName; spec.clusterIPs
//     follows spec.clusterIP;
//   - a nodePort for each port of a NodePort or LoadBalancer service (and
//     none for the other types);
//   - for a LoadBalancer service, status.loadBalancer.ingress listing
//     nodeAddrs (the Ready nodes' addresses), unless an older
//     LoadBalancer service already opens one of its ports (same protocol
//     and port), or an older Service holds one as a node port: then it
//     stays pending with no ingress and a PortInUse warning. Node ports
//     and load-balancer ports share one space per protocol: a newer
//     Service does not keep a node port an older load balancer opens,
//     and allocation never picks a port any load balancer asks for.
//
// Services are taken oldest first (creationTimestamp, then
// namespace/name). First every Service keeps what it holds, unless an
// older one holds it too or it is outside the configured ranges; then the
// ones that still lack an address get one. An address a manifest pins is
// therefore never taken by a dynamic allocation of the same pass, and of
// two Services that claim the same address the older keeps it.
//
// The result lists, in that order, only the Services that change or have
// warnings. Inputs are not modified. The order of services does not
// matter; nodeAddrs may hold duplicates and any order.
func Allocate(cfg Config, services []*api.Service, nodeAddrs []netip.Addr) []Decision {
	a := newAllocation(cfg, services)
	a.claim()
	a.allocate()
	a.loadBalancers(LoadBalancerIngress(nodeAddrs))
	var out []Decision
	for _, w := range a.work {
		if w.out == nil && len(w.warnings) == 0 {
			continue
		}
		d := Decision{Service: w.in, Warnings: w.warnings}
		if w.out != nil {
			d.Service, d.SpecChanged, d.StatusChanged = w.out, w.spec, w.status
		}
		out = append(out, d)
	}
	return out
}

// work is one Service in a pass.
type work struct {
	in *api.Service
	// out is a copy of in, made on the first change.
	out          *api.Service
	spec, status bool
	warnings     []Warning
	// pending is set for a LoadBalancer service whose port is taken.
	pending bool
}

func (w *work) cur() *api.Service {
	if w.out != nil {
		return w.out
	}
	return w.in
}

// edit returns the copy to change; spec says whether the change is to
// the spec (else the status).
func (w *work) edit(spec bool) *api.Service {
	if w.out == nil {
		w.out = copyService(w.in)
	}
	if spec {
		w.spec = true
	} else {
		w.status = true
	}
	return w.out
}

// copyService copies what Allocate edits (ports, cluster IPs, ingress)
// and the metadata maps, and shares the rest, which nothing modifies:
// api.DeepCopy goes through JSON and would be most of the cost of a pass
// that allocates for 10,000 services.
func copyService(in *api.Service) *api.Service {
	out := *in
	out.Labels = maps.Clone(in.Labels)
	out.Annotations = maps.Clone(in.Annotations)
	out.OwnerReferences = slices.Clone(in.OwnerReferences)
	out.Spec.Ports = slices.Clone(in.Spec.Ports)
	out.Spec.ClusterIPs = slices.Clone(in.Spec.ClusterIPs)
	out.Status.LoadBalancer.Ingress = slices.Clone(in.Status.LoadBalancer.Ingress)
	return &out
}

func (w *work) warn(reason, format string, args ...any) {
	w.warnings = append(w.warnings, Warning{Reason: reason, Message: fmt.Sprintf(format, args...)})
}

type allocation struct {
	cfg   Config
	work  []*work
	ips   *ipPool
	ports map[api.Protocol]*portPool
}

func newAllocation(cfg Config, services []*api.Service) *allocation {
	a := &allocation{cfg: cfg, ips: newIPPool(cfg.ServiceCIDR, len(services)), ports: map[api.Protocol]*portPool{}}
	for _, s := range services {
		if s != nil {
			a.work = append(a.work, &work{in: s})
		}
	}
	slices.SortFunc(a.work, func(x, y *work) int { return Older(x.in, y.in) })
	return a
}

// Older orders Services oldest first: by creationTimestamp (none counts
// as oldest), then namespace, then name.
func Older(a, b *api.Service) int {
	ta, tb := a.CreationTimestamp, b.CreationTimestamp
	switch {
	case ta == nil && tb != nil:
		return -1
	case ta != nil && tb == nil:
		return 1
	case ta != nil && tb != nil:
		if c := ta.Compare(*tb); c != 0 {
			return c
		}
	}
	return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
}

func (a *allocation) portPool(proto api.Protocol) *portPool {
	if proto == "" {
		proto = api.ProtocolTCP
	}
	p := a.ports[proto]
	if p == nil {
		p = newPortPool(a.cfg.NodePorts)
		a.ports[proto] = p
	}
	return p
}

// needsIP reports whether s gets a cluster IP.
func needsIP(s *api.Service) bool { return !s.IsExternalName() && !s.IsHeadless() }

// claim lets every Service, oldest first, keep the addresses it holds,
// and takes away those an older Service holds or that are out of range.
// Node ports and the ports LoadBalancer services open on the nodes share
// one space per protocol: a LoadBalancer service opens its ports unless
// an older Service holds one of them (it is then pending), and a newer
// Service cannot keep a node port an older load balancer opened.
func (a *allocation) claim() {
	for _, w := range a.work {
		s := w.cur()
		if needsIP(s) && s.Spec.ClusterIP != "" {
			addr, err := netip.ParseAddr(s.Spec.ClusterIP)
			off, in := offsetOf(a.cfg.ServiceCIDR, addr)
			switch owner := a.ips.owner[off]; {
			case err != nil || !a.ips.assignable(off, in):
				w.warn(ReasonClusterIPOutOfRange, "cluster IP %s is not an assignable address of the service CIDR %s", s.Spec.ClusterIP, a.cfg.ServiceCIDR)
				w.edit(true).Spec.ClusterIP = ""
			case owner != nil:
				w.warn(ReasonClusterIPInUse, "cluster IP %s is already used by service %s", s.Spec.ClusterIP, name(owner))
				w.edit(true).Spec.ClusterIP = ""
			default:
				a.ips.take(off, w.in)
			}
		}
		for i, port := range s.Spec.Ports {
			if port.NodePort == 0 {
				continue
			}
			if !s.HasNodePorts() {
				// The type no longer opens node ports.
				w.edit(true).Spec.Ports[i].NodePort = 0
				continue
			}
			pool := a.portPool(port.Protocol)
			switch owner := pool.owner[port.NodePort]; {
			case a.cfg.reserved(port.Protocol, port.NodePort) != "":
				w.warn(ReasonNodePortInUse, "%s: node port %s/%d is reserved on every node for %s", portName(s, i), protocol(port), port.NodePort, a.cfg.reserved(port.Protocol, port.NodePort))
				w.edit(true).Spec.Ports[i].NodePort = 0
			case !a.cfg.NodePorts.Contains(port.NodePort):
				w.warn(ReasonNodePortOutOfRange, "%s: node port %d is outside the node-port range %s", portName(s, i), port.NodePort, a.cfg.NodePorts)
				w.edit(true).Spec.Ports[i].NodePort = 0
			case owner != nil && pool.opened[port.NodePort]:
				w.warn(ReasonNodePortInUse, "%s: node port %s/%d is already opened on the nodes for LoadBalancer service %s", portName(s, i), protocol(port), port.NodePort, name(owner))
				w.edit(true).Spec.Ports[i].NodePort = 0
			case owner != nil:
				w.warn(ReasonNodePortInUse, "%s: node port %s/%d is already used by service %s", portName(s, i), protocol(port), port.NodePort, name(owner))
				w.edit(true).Spec.Ports[i].NodePort = 0
			default:
				pool.owner[port.NodePort] = w.in
			}
		}
		if s.Spec.Type != api.ServiceTypeLoadBalancer {
			continue
		}
		if conflict := a.lbConflict(s, w.in); conflict != "" {
			w.pending = true
			w.warn(ReasonPortInUse, "%s; the service stays pending until it is free", conflict)
			continue
		}
		for _, port := range s.Spec.Ports {
			pool := a.portPool(port.Protocol)
			pool.owner[port.Port], pool.opened[port.Port] = w.in, true
		}
	}
}

// allocate gives addresses to the Services that still lack them, oldest
// first.
func (a *allocation) allocate() {
	// Dynamic node ports avoid the agents' own ports and the ports
	// LoadBalancer services open.
	for key := range a.cfg.Reserved {
		proto, port, ok := strings.Cut(key, "/")
		if n, err := strconv.Atoi(port); ok && err == nil && a.cfg.NodePorts.Contains(int32(n)) {
			a.portPool(api.Protocol(proto)).blocked[int32(n)] = true
		}
	}
	for _, w := range a.work {
		if s := w.cur(); s.Spec.Type == api.ServiceTypeLoadBalancer {
			for _, port := range s.Spec.Ports {
				if a.cfg.NodePorts.Contains(port.Port) {
					a.portPool(port.Protocol).blocked[port.Port] = true
				}
			}
		}
	}
	for _, w := range a.work {
		s := w.cur()
		if !needsIP(s) {
			continue
		}
		if s.Spec.ClusterIP == "" {
			if addr, ok := a.ips.alloc(w.in); ok {
				w.edit(true).Spec.ClusterIP = addr.String()
			} else {
				w.warn(ReasonClusterIPsExhausted, "no free cluster IP left in the service CIDR %s", a.cfg.ServiceCIDR)
			}
		}
		s = w.cur()
		var want []string
		if s.Spec.ClusterIP != "" {
			want = []string{s.Spec.ClusterIP}
		}
		if !slices.Equal(s.Spec.ClusterIPs, want) {
			w.edit(true).Spec.ClusterIPs = want
		}
		if !s.HasNodePorts() {
			continue
		}
		for i, port := range s.Spec.Ports {
			if port.NodePort != 0 {
				continue
			}
			if np, ok := a.portPool(port.Protocol).alloc(w.in, portKey(port, i)); ok {
				w.edit(true).Spec.Ports[i].NodePort = np
			} else {
				w.warn(ReasonNodePortsExhausted, "%s: no free %s node port left in the node-port range %s", portName(s, i), protocol(port), a.cfg.NodePorts)
			}
		}
	}
}

// loadBalancers writes the ingress of every LoadBalancer service that is
// not pending, and clears the load-balancer status of every other
// Service.
func (a *allocation) loadBalancers(ingress []api.LoadBalancerIngress) {
	for _, w := range a.work {
		s := w.cur()
		var want []api.LoadBalancerIngress
		if s.Spec.Type == api.ServiceTypeLoadBalancer && !w.pending {
			want = ingress
		}
		if !slices.Equal(s.Status.LoadBalancer.Ingress, want) {
			w.edit(false).Status.LoadBalancer.Ingress = slices.Clone(want)
		}
	}
}

// lbConflict says which port of s an older Service holds, as a node port
// or as a port its load balancer opens, or "".
func (a *allocation) lbConflict(s, self *api.Service) string {
	for _, port := range s.Spec.Ports {
		pp := protocol(port) + "/" + strconv.Itoa(int(port.Port))
		pool := a.portPool(port.Protocol)
		owner := pool.owner[port.Port]
		switch {
		case a.cfg.reserved(port.Protocol, port.Port) != "":
			return fmt.Sprintf("port %s is reserved on every node for %s", pp, a.cfg.reserved(port.Protocol, port.Port))
		case owner == nil || owner == self:
		case pool.opened[port.Port]:
			return fmt.Sprintf("port %s is already opened on the nodes for LoadBalancer service %s", pp, name(owner))
		default:
			return fmt.Sprintf("port %s is already used as a node port by service %s", pp, name(owner))
		}
	}
	return ""
}

// LoadBalancerIngress turns node addresses into a sorted, duplicate-free
// load-balancer ingress list (of Services and Ingresses), nil for none.
func LoadBalancerIngress(addrs []netip.Addr) []api.LoadBalancerIngress {
	sorted := slices.Clone(addrs)
	sorted = slices.DeleteFunc(sorted, func(a netip.Addr) bool { return !a.IsValid() })
	slices.SortFunc(sorted, netip.Addr.Compare)
	sorted = slices.Compact(sorted)
	if len(sorted) == 0 {
		return nil
	}
	out := make([]api.LoadBalancerIngress, len(sorted))
	for i, a := range sorted {
		out[i] = api.LoadBalancerIngress{IP: a.String()}
	}
	return out
}

// ReadyNodeAddresses returns the InternalIP addresses of the Ready nodes:
// where LoadBalancer services are reachable.
func ReadyNodeAddresses(nodes []*api.Node) []netip.Addr {
	var out []netip.Addr
	for _, n := range nodes {
		if n == nil || !n.IsReady() {
			continue
		}
		for _, na := range n.Status.Addresses {
			if na.Type != api.NodeInternalIP {
				continue
			}
			if addr, err := netip.ParseAddr(na.Address); err == nil {
				out = append(out, addr)
			}
		}
	}
	return out
}

func name(s *api.Service) string { return s.Namespace + "/" + s.Name }

func protocol(p api.ServicePort) string {
	if p.Protocol == "" {
		return string(api.ProtocolTCP)
	}
	return string(p.Protocol)
}

// portName names port i of s in messages: spec.ports[i] and its name.
func portName(s *api.Service, i int) string {
	if n := s.Spec.Ports[i].Name; n != "" {
		return fmt.Sprintf("port %q", n)
	}
	return fmt.Sprintf("spec.ports[%d]", i)
}

// portKey tells a Service's ports apart when seeding allocation.
func portKey(p api.ServicePort, i int) string {
	return protocol(p) + "/" + strconv.Itoa(int(p.Port)) + "/" + p.Name + "/" + strconv.Itoa(i)
}
