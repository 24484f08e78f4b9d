package dnssvc

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/miekg/dns"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/netsvc/endpoints"
)

// Zone is an immutable snapshot of every cluster name and its records,
// keyed by canonical (lower-case, fully qualified) name, so a query is one
// map lookup. Build makes one from services and pods.
type Zone struct {
	cfg    Config
	apex   string
	serial uint32
	names  map[string]*node
	// reverse are the in-addr.arpa apexes of cfg.ReverseCIDRs, rounded
	// down to whole octets.
	reverse []string
	// podNS is the namespace of each running pod's IP, for search-path
	// expansion (a query from a pod walks that namespace's search path).
	podNS map[netip.Addr]string
}

// node is the records of one name. A node with no records is an empty
// non-terminal: the name exists (NODATA, not NXDOMAIN).
type node struct {
	a     []netip.Addr
	srv   []srvRecord
	ptr   []string
	cname string
	txt   []string
}

type srvRecord struct {
	port   uint16
	target string
}

// Build indexes services and pods into a Zone. serial is the SOA serial
// (the view's commit index, truncated).
func Build(cfg Config, serial uint32, services []*api.Service, pods []*api.Pod) *Zone {
	cfg = cfg.withDefaults()
	z := &Zone{cfg: cfg, apex: cfg.Zone, serial: serial, names: make(map[string]*node, 2*len(services)+len(pods)), podNS: make(map[netip.Addr]string, len(pods))}
	z.get(z.apex)
	z.get("dns-version." + z.apex).txt = []string{DNSSchemaVersion}
	ns := z.get("ns.dns." + z.apex)
	ns.a = append(ns.a, cfg.NameserverIPs...)
	for _, p := range cfg.ReverseCIDRs {
		z.reverse = append(z.reverse, reverseApex(p))
	}
	for _, r := range z.reverse {
		z.get(r)
	}
	for _, p := range pods {
		z.addPod(p)
	}
	ix := endpoints.NewIndex(pods)
	for _, s := range services {
		z.addService(s, ix)
	}
	return z
}

// get returns name's node, creating it and its empty ancestors up to the
// apex that owns it.
func (z *Zone) get(name string) *node {
	if n, ok := z.names[name]; ok {
		return n
	}
	n := &node{}
	z.names[name] = n
	for parent := name; ; {
		i := strings.IndexByte(parent, '.')
		if i < 0 || i == len(parent)-1 {
			break
		}
		parent = parent[i+1:]
		if _, ok := z.names[parent]; ok || !z.owns(parent) {
			break
		}
		z.names[parent] = &node{}
	}
	return n
}

// owns reports whether name is at or under one of the zone's apexes.
func (z *Zone) owns(name string) bool { return z.apexOf(name) != "" }

// apexOf returns the apex of the zone (cluster or reverse) name is at or
// under, or "".
func (z *Zone) apexOf(name string) string {
	if under(z.apex, name) {
		return z.apex
	}
	best := ""
	for _, r := range z.reverse {
		if under(r, name) && len(r) > len(best) {
			best = r
		}
	}
	return best
}

// under reports whether name is at or under apex; both are canonical
// (lower case, fully qualified). A suffix test, except for names with
// escapes (`a\.cluster.local.` is one label under "local.").
func under(apex, name string) bool {
	if strings.IndexByte(name, '\\') >= 0 {
		return dns.IsSubDomain(apex, name)
	}
	return name == apex || apex == "." || (len(name) > len(apex) && name[len(name)-len(apex)-1] == '.' && name[len(name)-len(apex):] == apex)
}

func (z *Zone) addPod(p *api.Pod) {
	ip, err := netip.ParseAddr(p.Status.PodIP)
	if err != nil || !ip.Is4() || p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed {
		return
	}
	n := z.get(dashed(ip) + "." + strings.ToLower(p.Namespace) + ".pod." + z.apex)
	n.a = appendAddr(n.a, ip)
	z.podNS[ip] = strings.ToLower(p.Namespace)
}

func (z *Zone) addService(s *api.Service, ix *endpoints.Index) {
	name := strings.ToLower(s.Name) + "." + strings.ToLower(s.Namespace) + ".svc." + z.apex
	switch {
	case s.IsExternalName():
		if s.Spec.ExternalName != "" {
			z.get(name).cname = dns.CanonicalName(s.Spec.ExternalName)
		}
	case s.IsHeadless():
		z.addHeadless(s, name, ix)
	default:
		z.addClusterIP(s, name)
	}
}

func (z *Zone) addClusterIP(s *api.Service, name string) {
	var ips []netip.Addr
	for _, c := range s.Spec.ClusterIPs {
		if ip, err := netip.ParseAddr(c); err == nil && ip.Is4() {
			ips = append(ips, ip)
		}
	}
	if len(ips) == 0 {
		return // not allocated yet: the name does not exist
	}
	n := z.get(name)
	n.a = ips
	for _, ip := range ips {
		z.addPTR(ip, name)
	}
	for _, sp := range s.Spec.Ports {
		n.srv = append(n.srv, srvRecord{port: uint16(sp.Port), target: name})
		if sp.Name == "" {
			continue
		}
		pn := z.get(portName(sp.Name, sp.Protocol) + name)
		pn.srv = append(pn.srv, srvRecord{port: uint16(sp.Port), target: name})
	}
}

// addHeadless adds one A per ready endpoint, an A per endpoint name
// (HOSTNAME.SVC... or A-B-C-D.SVC...), SRV records per named port and
// endpoint, and PTRs. With no ready endpoint the name does not exist.
func (z *Zone) addHeadless(s *api.Service, name string, ix *endpoints.Index) {
	ep := endpoints.Compute(s, ix.Select(s.Namespace, s.Spec.Selector))
	for _, ss := range ep.Subsets {
		for _, a := range ss.Addresses {
			ip, err := netip.ParseAddr(a.IP)
			if err != nil || !ip.Is4() {
				continue
			}
			n := z.get(name)
			n.a = appendAddr(n.a, ip)
			host := dashed(ip)
			if a.Hostname != "" {
				host = strings.ToLower(a.Hostname)
			}
			target := host + "." + name
			tn := z.get(target)
			tn.a = appendAddr(tn.a, ip)
			z.addPTR(ip, target)
			for _, p := range ss.Ports {
				if p.Port <= 0 {
					continue
				}
				r := srvRecord{port: uint16(p.Port), target: target}
				n.srv = appendSRV(n.srv, r)
				if p.Name != "" {
					pn := z.get(portName(p.Name, p.Protocol) + name)
					pn.srv = appendSRV(pn.srv, r)
				}
			}
		}
	}
}

// addPTR adds a PTR for ip to target when ip is in a reverse zone.
func (z *Zone) addPTR(ip netip.Addr, target string) {
	rev := reverseName(ip)
	if !z.owns(rev) {
		return
	}
	n := z.get(rev)
	for _, t := range n.ptr {
		if t == target {
			return
		}
	}
	n.ptr = append(n.ptr, target)
}

// portName is "_NAME._PROTO." in lower case.
func portName(name string, proto api.Protocol) string {
	if proto == "" {
		proto = api.ProtocolTCP
	}
	return "_" + strings.ToLower(name) + "._" + strings.ToLower(string(proto)) + "."
}

// dashed is the A-B-C-D form of an IPv4 address.
func dashed(ip netip.Addr) string {
	return strings.ReplaceAll(ip.String(), ".", "-")
}

// reverseName is ip's in-addr.arpa name.
func reverseName(ip netip.Addr) string {
	b := ip.As4()
	return strconv.Itoa(int(b[3])) + "." + strconv.Itoa(int(b[2])) + "." + strconv.Itoa(int(b[1])) + "." + strconv.Itoa(int(b[0])) + ".in-addr.arpa."
}

// reverseApex is the in-addr.arpa zone of p rounded down to whole octets
// (10.96.0.0/12 → 10.in-addr.arpa.), as CoreDNS does.
func reverseApex(p netip.Prefix) string {
	b := p.Masked().Addr().As4()
	octets := p.Bits() / 8
	s := "in-addr.arpa."
	for i := 0; i < octets; i++ {
		s = strconv.Itoa(int(b[i])) + "." + s
	}
	return s
}

func appendAddr(l []netip.Addr, ip netip.Addr) []netip.Addr {
	for _, a := range l {
		if a == ip {
			return l
		}
	}
	return append(l, ip)
}

func appendSRV(l []srvRecord, r srvRecord) []srvRecord {
	for _, x := range l {
		if x == r {
			return l
		}
	}
	return append(l, r)
}

// SearchPath returns the resolv.conf search path of the pod with IP
// client (NS.svc.ZONE, svc.ZONE, ZONE; canonical), or nil when no running
// pod has that IP.
func (z *Zone) SearchPath(client netip.Addr) []string {
	ns, ok := z.podNS[client.Unmap()]
	if !ok {
		return nil
	}
	return []string{ns + ".svc." + z.apex, "svc." + z.apex, z.apex}
}
