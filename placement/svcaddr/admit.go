package svcaddr

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"

	"github.com/shoal-dev/shoal/api"
)

// Index records which Service holds which cluster IP and node port, for
// Admit. Build it from every stored Service and Put each admitted one,
// so Services of the same apply are checked against each other too.
type Index struct {
	byKey map[string]*api.Service
	ips   map[string][]string // address -> namespace/name
	ports map[string][]string // "TCP/30080" -> namespace/name
}

// NewIndex indexes services.
func NewIndex(services []*api.Service) *Index {
	x := &Index{byKey: map[string]*api.Service{}, ips: map[string][]string{}, ports: map[string][]string{}}
	for _, s := range services {
		x.Put(s)
	}
	return x
}

// Put records s, replacing the Service of the same namespace/name.
func (x *Index) Put(s *api.Service) {
	k := name(s)
	if old := x.byKey[k]; old != nil {
		for _, ip := range heldIPs(old) {
			x.ips[ip] = slices.DeleteFunc(x.ips[ip], func(h string) bool { return h == k })
		}
		for _, pp := range heldNodePorts(old) {
			x.ports[pp] = slices.DeleteFunc(x.ports[pp], func(h string) bool { return h == k })
		}
	}
	x.byKey[k] = s
	for _, ip := range heldIPs(s) {
		x.ips[ip] = append(x.ips[ip], k)
	}
	for _, pp := range heldNodePorts(s) {
		x.ports[pp] = append(x.ports[pp], k)
	}
}

// holder returns another Service than self in holders, or "".
func holder(holders []string, self string) string {
	for _, h := range holders {
		if h != self {
			return h
		}
	}
	return ""
}

func heldIPs(s *api.Service) []string {
	if !needsIP(s) || s.Spec.ClusterIP == "" {
		return nil
	}
	if a, err := netip.ParseAddr(s.Spec.ClusterIP); err == nil {
		return []string{a.String()}
	}
	return nil
}

// heldNodePorts lists the ports s uses on every node: its node ports and,
// for a LoadBalancer service, its service ports.
func heldNodePorts(s *api.Service) []string {
	if !s.HasNodePorts() {
		return nil
	}
	var out []string
	for _, p := range s.Spec.Ports {
		if p.NodePort != 0 {
			out = append(out, protocol(p)+"/"+strconv.Itoa(int(p.NodePort)))
		}
		if s.Spec.Type == api.ServiceTypeLoadBalancer {
			out = append(out, protocol(p)+"/"+strconv.Itoa(int(p.Port)))
		}
	}
	return out
}

// Admit completes and checks a Service a user applies, before it is
// committed. cur is the stored Service of the same namespace/name, nil
// when the apply creates it; x indexes the other Services.
//
// Where in leaves them empty, Admit keeps the addresses the cluster gave
// cur, as Kubernetes does, so that a re-apply of the same manifest
// changes nothing: spec.clusterIP with spec.clusterIPs (unless in is an
// ExternalName service), and each nodePort, matched by port name (when
// both types open node ports and in does not use that port already).
// Changing from NodePort or LoadBalancer to ClusterIP therefore drops the
// node ports, and changing to ExternalName drops the cluster IP.
//
// It refuses, as an api.ErrorList: changing a cluster IP once set
// ("field is immutable"); a requested clusterIP outside the service CIDR,
// on its network or broadcast address, or held by another Service; a
// requested nodePort outside the node-port range, or held by another
// Service for the same protocol (as a node port, or as a port its load
// balancer opens on the nodes); an externalIP inside the service CIDR
// (it would take over another service's cluster IP; the nodes' tables
// skip it too). Addresses in already holds are not
// checked again (Allocate settles races between applies). The
// load-balancer status is never the user's: the caller must not take it
// from the input (the store keeps the stored status on apply).
func Admit(cfg Config, in, cur *api.Service, x *Index) error {
	if cur != nil {
		keep(in, cur)
	}
	var errs api.ErrorList
	add := func(field, format string, args ...any) {
		errs = append(errs, &api.FieldError{Field: field, Detail: fmt.Sprintf(format, args...)})
	}
	self := name(in)
	heldIP := ""
	if cur != nil && !cur.IsExternalName() {
		heldIP = cur.Spec.ClusterIP
	}
	switch ip := in.Spec.ClusterIP; {
	case in.IsExternalName() || ip == "":
	case heldIP != "" && ip != heldIP:
		add("spec.clusterIP", "field is immutable: the service has %s, got %s (delete and re-create the service to change it)", heldIP, ip)
	case heldIP == ip:
		if in.IsHeadless() && in.HasNodePorts() {
			add("spec.clusterIP", "field is immutable: the service is headless (None) and type %s needs a cluster IP (delete and re-create it)", in.Spec.Type)
		}
	case ip == api.ClusterIPNone:
	default:
		addr, err := netip.ParseAddr(ip)
		off, inside := offsetOf(cfg.ServiceCIDR, addr)
		p := ipPool{size: cidrSize(cfg.ServiceCIDR)}
		switch {
		case err != nil || !inside:
			add("spec.clusterIP", "%s is not in the service CIDR %s", ip, cfg.ServiceCIDR)
		case !p.assignable(off, inside):
			add("spec.clusterIP", "%s is the network or broadcast address of the service CIDR %s", ip, cfg.ServiceCIDR)
		default:
			if other := holder(x.ips[addr.String()], self); other != "" {
				add("spec.clusterIP", "%s is already used by service %s", ip, other)
			}
		}
	}
	for i, ip := range in.Spec.ExternalIPs {
		if a, err := netip.ParseAddr(ip); err == nil && cfg.ServiceCIDR.Contains(a.Unmap()) {
			add("spec.externalIPs["+strconv.Itoa(i)+"]", "%s is in the service CIDR %s: an external IP may not be a cluster IP", ip, cfg.ServiceCIDR)
		}
	}
	held := map[string]bool{}
	if cur != nil {
		for _, pp := range heldNodePorts(cur) {
			held[pp] = true
		}
	}
	for i, port := range in.Spec.Ports {
		if port.NodePort == 0 || !in.HasNodePorts() {
			continue
		}
		pp := protocol(port) + "/" + strconv.Itoa(int(port.NodePort))
		field := "spec.ports[" + strconv.Itoa(i) + "].nodePort"
		switch {
		case cfg.reserved(port.Protocol, port.NodePort) != "":
			add(field, "%s is reserved on every node for %s", pp, cfg.reserved(port.Protocol, port.NodePort))
		case held[pp]:
		case !cfg.NodePorts.Contains(port.NodePort):
			add(field, "%d is outside the node-port range %s", port.NodePort, cfg.NodePorts)
		default:
			if other := holder(x.ports[pp], self); other != "" {
				add(field, "%s is already used by service %s", pp, other)
			}
		}
	}
	if in.Spec.Type == api.ServiceTypeLoadBalancer {
		for i, port := range in.Spec.Ports {
			if whose := cfg.reserved(port.Protocol, port.Port); whose != "" {
				add("spec.ports["+strconv.Itoa(i)+"].port", "%s/%d is reserved on every node for %s: a LoadBalancer cannot open it", protocol(port), port.Port, whose)
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// keep copies into in the addresses the cluster gave cur that in leaves
// empty.
func keep(in, cur *api.Service) {
	if !in.IsExternalName() && in.Spec.ClusterIP == "" && cur.Spec.ClusterIP != "" && !cur.IsExternalName() {
		in.Spec.ClusterIP = cur.Spec.ClusterIP
		in.Spec.ClusterIPs = slices.Clone(cur.Spec.ClusterIPs)
		if len(in.Spec.ClusterIPs) == 0 {
			in.Spec.ClusterIPs = []string{in.Spec.ClusterIP}
		}
	}
	if !in.HasNodePorts() || !cur.HasNodePorts() {
		return
	}
	byName := map[string]api.ServicePort{}
	for _, p := range cur.Spec.Ports {
		byName[p.Name] = p
	}
	used := map[string]bool{}
	for _, p := range in.Spec.Ports {
		if p.NodePort != 0 {
			used[protocol(p)+"/"+strconv.Itoa(int(p.NodePort))] = true
		}
	}
	for i := range in.Spec.Ports {
		p := &in.Spec.Ports[i]
		old, ok := byName[p.Name]
		if p.NodePort != 0 || !ok || old.NodePort == 0 {
			continue
		}
		if pp := protocol(*p) + "/" + strconv.Itoa(int(old.NodePort)); !used[pp] {
			p.NodePort = old.NodePort
			used[pp] = true
		}
	}
}
