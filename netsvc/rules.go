package netsvc

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// maxAffinity caps sessionAffinity's timeout, as Kubernetes does (one
// day); nftables refuses timeouts past its own range.
const maxAffinity = 24 * time.Hour

// built is everything one Service puts in the table: its chains (name →
// rules), affinity sets (name → timeout), endpoint-choosing verdict maps
// (name → verdict of element 0, 1, ...) and elements of the table's
// global maps. It is a pure
// function of the Service and the cluster CIDR, so a Service equal to the
// one built last reuses it.
type built struct {
	svc    Service
	chains map[string][]string
	sets   map[string]time.Duration
	vmaps  map[string][]string
	elems  []element
	// udp lists the UDP ports, for conntrack clean-up.
	udp map[string]udpPort
	// skipped says what of the Service got no rules and why.
	skipped []string
}

// element is one map element: map name, key as nft writes it ("a . b")
// and verdict.
type element struct {
	m, key, val string
}

// elemKey identifies an element: map and key.
type elemKey struct{ m, key string }

func (e element) id() elemKey { return elemKey{e.m, e.key} }

// udpPort is what conntrack clean-up needs of one UDP service port.
type udpPort struct {
	dsts      []netip.Addr // cluster, external and load-balancer IPs
	port      uint16
	nodePort  uint16
	endpoints []netip.AddrPort
}

// usable reports whether a is an IPv4 address a rule can match or
// DNAT to.
func usable(a netip.Addr) bool {
	a = a.Unmap()
	return a.Is4() && !a.IsUnspecified() && !a.IsLoopback() && !a.IsMulticast() && a != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// l4proto is the nft name of p, or "" if p is not one Shoal serves.
func l4proto(p api.Protocol) string {
	switch p {
	case api.ProtocolTCP:
		return "tcp"
	case api.ProtocolUDP:
		return "udp"
	case api.ProtocolSCTP:
		return "sctp"
	}
	return ""
}

// buildService works out svc's chains, sets and elements. Parts that
// cannot be programmed (an address that is not IPv4, a port 0, an unknown
// protocol, a repeated port) are left out and listed in skipped; a
// service without a usable cluster IP gets nothing (headless,
// ExternalName). An external or load-balancer address inside the cluster
// CIDR or the service CIDR is left out too: it would take over traffic to
// a pod or to another service's cluster IP (externalIPs come from a
// user's manifest, and the first service by name wins an address). A port
// in protected (the agent's own) is opened on neither external addresses
// nor as a node port.
func buildService(cluster, service netip.Prefix, protected map[uint16]bool, svc Service) *built {
	b := &built{svc: svc, chains: map[string][]string{}, sets: map[string]time.Duration{}, vmaps: map[string][]string{}, udp: map[string]udpPort{}}
	if !usable(svc.ClusterIP) {
		return b
	}
	clusterIP := svc.ClusterIP.Unmap()
	var external []netip.Addr
	for _, a := range slices.Concat(svc.ExternalIPs, svc.LoadBalancerIPs) {
		a = a.Unmap()
		switch {
		case !usable(a):
			b.skip("address %s: not a unicast IPv4 address", a)
		case cluster.Contains(a):
			b.skip("address %s: in the cluster CIDR %s (pod addresses)", a, cluster)
		case service.Contains(a):
			b.skip("address %s: in the service CIDR %s (cluster IPs)", a, service)
		case a != clusterIP && !slices.Contains(external, a):
			external = append(external, a)
		}
	}
	var affinity time.Duration
	if svc.AffinityTimeout > 0 {
		affinity = min(max(svc.AffinityTimeout.Round(time.Second), time.Second), maxAffinity)
	}
	seen := map[string]bool{}
	seenNode := map[string]bool{}
	for _, p := range svc.Ports {
		proto := l4proto(p.Protocol)
		id := fmt.Sprintf("%s/%s/%s/%d", svc.Namespace, svc.Name, proto, p.Port)
		switch {
		case proto == "":
			b.skip("port %q: protocol %q, want TCP, UDP or SCTP", p.Name, p.Protocol)
			continue
		case p.Port == 0:
			b.skip("port %q: port 0", p.Name)
			continue
		case seen[id]:
			b.skip("port %q: %s %d repeated", p.Name, p.Protocol, p.Port)
			continue
		}
		seen[id] = true
		ext := external
		if protected[p.Port] && len(ext) > 0 {
			b.skip("port %q: %d is an agent port: not opened on external or load-balancer addresses", p.Name, p.Port)
			ext = nil
		}
		nodePort := p.NodePort
		if protected[nodePort] {
			b.skip("port %q: node port %d is an agent port", p.Name, nodePort)
			nodePort = 0
		}
		if np := proto + "/" + strconv.Itoa(int(nodePort)); nodePort != 0 && seenNode[np] {
			b.skip("port %q: node port %s %d repeated", p.Name, p.Protocol, nodePort)
			nodePort = 0
		} else {
			seenNode[np] = true
		}
		pb := portBuild{
			b: b, cluster: cluster, id: id, proto: proto, port: p.Port, nodePort: nodePort,
			clusterIP: clusterIP, external: ext, affinity: affinity,
			externalLocal: svc.ExternalLocal, internalLocal: svc.InternalLocal,
		}
		pb.endpoints(p.Endpoints)
		pb.build()
	}
	return b
}

func (b *built) skip(format string, args ...any) {
	b.skipped = append(b.skipped, fmt.Sprintf(format, args...))
}

// portBuild builds one service port.
type portBuild struct {
	b              *built
	cluster        netip.Prefix
	id, proto      string
	port, nodePort uint16
	clusterIP      netip.Addr
	external       []netip.Addr
	affinity       time.Duration
	externalLocal  bool
	internalLocal  bool
	all, local     []endpoint // every usable endpoint; those on this node
}

// endpoint is one usable endpoint and its chain and affinity set names.
type endpoint struct {
	addr  netip.AddrPort
	chain string
	set   string // "" without affinity
}

// endpoints keeps the usable endpoints of eps, once each.
func (pb *portBuild) endpoints(eps []Endpoint) {
	for _, e := range eps {
		ap := netip.AddrPortFrom(e.Addr.Unmap(), e.Port)
		switch {
		case !usable(e.Addr) || e.Port == 0:
			pb.b.skip("port %s: endpoint %s: want an IPv4 address and a port", pb.id, ap)
			continue
		case slices.ContainsFunc(pb.all, func(o endpoint) bool { return o.addr == ap }):
			continue
		}
		epID := pb.id + "/" + ap.Addr().String() + "/" + strconv.Itoa(int(ap.Port()))
		ep := endpoint{addr: ap, chain: objName("ep", epID)}
		if pb.affinity > 0 {
			// The timeout is part of the identity: a new timeout makes a
			// new set (nft cannot change one) and new rules naming it.
			ep.set = objName("aff", epID+"/"+strconv.Itoa(int(pb.affinity.Seconds())))
		}
		pb.all = append(pb.all, ep)
		if e.Local {
			pb.local = append(pb.local, ep)
		}
	}
}

func (pb *portBuild) build() {
	b := pb.b
	hasExternal := pb.nodePort != 0 || len(pb.external) > 0
	if pb.proto == "udp" {
		u := udpPort{dsts: append([]netip.Addr{pb.clusterIP}, pb.external...), port: pb.port, nodePort: pb.nodePort}
		for _, e := range pb.all {
			u.endpoints = append(u.endpoints, e.addr)
		}
		b.udp[pb.id] = u
	}
	port := strconv.Itoa(int(pb.port))
	if len(pb.all) == 0 {
		// Nothing to send to: refuse at once, in the filter hook before
		// DNAT.
		pb.elem(mapNoEndpointIPs, pb.clusterIP.String()+" . "+pb.proto+" . "+port, "goto "+chainReject)
		for _, a := range pb.external {
			pb.elem(mapNoEndpointIPs, a.String()+" . "+pb.proto+" . "+port, "goto "+chainReject)
		}
		if pb.nodePort != 0 {
			pb.elem(mapNoEndpointPorts, pb.proto+" . "+strconv.Itoa(int(pb.nodePort)), "goto "+chainReject)
		}
		return
	}
	for _, e := range pb.all {
		pb.endpointChain(e)
	}
	// Cluster IP.
	internal := pb.all
	if pb.internalLocal {
		internal = pb.local
	}
	if len(internal) == 0 {
		// internalTrafficPolicy Local without a local endpoint: the
		// service has endpoints, just none here. Dropped, as Kubernetes
		// does, rather than refused.
		pb.elem(mapNoEndpointIPs, pb.clusterIP.String()+" . "+pb.proto+" . "+port, "drop")
	} else {
		svcChain := objName("svc", pb.id)
		rules := []string{"ip saddr != " + pb.cluster.String() + " jump " + chainMarkMasq}
		rules = append(rules, pb.choose("", internal, pb.internalLocal)...)
		b.chains[svcChain] = rules
		pb.elem(mapServiceIPs, pb.clusterIP.String()+" . "+pb.proto+" . "+port, "goto "+svcChain)
	}
	if !hasExternal {
		return
	}
	// Node ports, external and load-balancer IPs.
	extChain := objName("ext", pb.id)
	var rules []string
	if !pb.externalLocal {
		rules = append(rules, "jump "+chainMarkMasq)
		rules = append(rules, pb.choose("", pb.all, false)...)
	} else {
		// Pods and this node's own processes may use every endpoint
		// (pods unmasqueraded, the node masqueraded); traffic from
		// elsewhere only local ones, keeping its source address, and is
		// dropped when there is none here.
		c := pb.cluster.String()
		rules = append(rules, pb.choose("ip saddr "+c+" ", pb.all, false)...)
		rules = append(rules, "fib saddr type local jump "+chainMarkMasq)
		rules = append(rules, pb.choose("fib saddr type local ", pb.all, false)...)
		if len(pb.local) == 0 {
			rules = append(rules, "drop")
		} else {
			rules = append(rules, pb.choose("", pb.local, true)...)
		}
	}
	b.chains[extChain] = rules
	for _, a := range pb.external {
		pb.elem(mapServiceIPs, a.String()+" . "+pb.proto+" . "+port, "goto "+extChain)
	}
	if pb.nodePort != 0 {
		pb.elem(mapServicePorts, pb.proto+" . "+strconv.Itoa(int(pb.nodePort)), "goto "+extChain)
	}
}

// choose is the rules that pick one of eps (every endpoint, or only the
// local ones), each rule starting with cond (empty or ending in a space):
// with affinity, a client seen lately goes back to its endpoint;
// otherwise a random one, through the port's own verdict map. A named map
// rather than an anonymous one ("vmap { 0 : goto ... }"): the kernel finds
// an anonymous set added in the same transaction by walking the whole
// transaction, which made writing 10,000 services take minutes.
func (pb *portBuild) choose(cond string, eps []endpoint, local bool) []string {
	var rules []string
	if pb.affinity > 0 {
		for _, e := range eps {
			rules = append(rules, cond+"ip saddr @"+e.set+" goto "+e.chain)
		}
	}
	kind := "eps"
	if local {
		kind = "local"
	}
	name := objName(kind, pb.id)
	if _, done := pb.b.vmaps[name]; !done {
		verdicts := make([]string, len(eps))
		for i, e := range eps {
			verdicts[i] = "goto " + e.chain
		}
		pb.b.vmaps[name] = verdicts
	}
	return append(rules, cond+"numgen random mod "+strconv.Itoa(len(eps))+" vmap @"+name)
}

// endpointChain DNATs to e, masquerading hairpin traffic (a pod reaching
// itself through the service, which would otherwise answer itself
// directly) and recording the client for affinity.
func (pb *portBuild) endpointChain(e endpoint) {
	a := e.addr.Addr().String()
	rules := []string{"ip saddr " + a + " jump " + chainMarkMasq}
	if e.set != "" {
		rules = append(rules, "update @"+e.set+" { ip saddr }")
		pb.b.sets[e.set] = pb.affinity
	}
	rules = append(rules, "meta l4proto "+pb.proto+" dnat to "+e.addr.String())
	pb.b.chains[e.chain] = rules
}

func (pb *portBuild) elem(m, key, val string) {
	pb.b.elems = append(pb.b.elems, element{m: m, key: key, val: val})
}
