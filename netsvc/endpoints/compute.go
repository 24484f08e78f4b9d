package endpoints

import (
	"cmp"
	"encoding/binary"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/shoal-dev/shoal/api"
)

// Compute returns the Endpoints of svc: its name, namespace, labels and
// creation time, and the addresses of the pods (from pods, which may hold
// pods of any namespace) that its selector matches. Rules, as in the
// Kubernetes Endpoints controller:
//
//   - A service without a selector, and an ExternalName service, has no
//     subsets; the object still exists.
//   - A pod counts when it is in the service's namespace, its labels
//     include every pair of spec.selector, it has a node and a valid
//     status.podIP, and it is not Succeeded or Failed.
//   - A ready pod (condition Ready True) goes to addresses, a not-ready one
//     to notReadyAddresses; with spec.publishNotReadyAddresses every
//     counted pod that is not terminating goes to addresses.
//   - A terminating pod (metadata.deletionTimestamp set) is never in
//     addresses, publishNotReadyAddresses or not: it leaves every endpoint
//     set the moment its deletion starts and stays listed under
//     notReadyAddresses until the object is gone, so `describe` shows it
//     draining. (Kubernetes' Endpoints controller drops it, or keeps it in
//     addresses with publishNotReadyAddresses; its EndpointSlices keep it
//     with ready=false and terminating=true, which is what this mirrors.)
//   - Each service port resolves per pod: a numeric targetPort as is
//     (0 means the service port), a named one to the containerPort of the
//     pod's container port with that name and the service port's protocol.
//     A pod without such a port is left out of that service port only.
//   - A headless service without ports lists its pods in one subset with
//     no ports.
//   - Subsets group addresses by the ports they take (Kubernetes'
//     RepackSubsets): every distinct resolved port lands in the subset of
//     exactly the addresses that take it, so pods whose named port resolves
//     to different numbers land in different subsets, and a pod that
//     lacks one port appears in the subset of the ports it has.
//   - Output is sorted: addresses by IP then pod UID, ports by name,
//     protocol and number, subsets by their first port.
//     hostname is spec.hostname when spec.subdomain names the service.
func Compute(svc *api.Service, pods []*api.Pod) *api.Endpoints {
	ep := &api.Endpoints{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Endpoints"},
		ObjectMeta: api.ObjectMeta{
			Name:              svc.Name,
			Namespace:         svc.Namespace,
			Labels:            maps.Clone(svc.Labels),
			CreationTimestamp: svc.CreationTimestamp,
		},
	}
	if svc.IsExternalName() || len(svc.Spec.Selector) == 0 {
		return ep
	}
	portless := len(svc.Spec.Ports) == 0
	if portless && !svc.IsHeadless() {
		return ep
	}
	g := grouper{last: make([]int, max(1, len(svc.Spec.Ports))), hint: len(pods)}
	for pos, pod := range pods {
		if !Selects(svc, pod) {
			continue
		}
		ip, ok := PodAddr(pod)
		if !ok {
			continue
		}
		m := member{ip: ip, ready: isReady(svc, pod), pod: pod, pos: pos}
		if portless {
			g.add(0, noPort, m)
			continue
		}
		for i := range svc.Spec.Ports {
			sp := &svc.Spec.Ports[i]
			num, ok := TargetPort(pod, sp)
			if !ok {
				continue
			}
			g.add(i, api.EndpointPort{Name: sp.Name, Port: num, Protocol: protocol(sp.Protocol), AppProtocol: sp.AppProtocol}, m)
		}
	}
	ep.Subsets = g.subsets(svc)
	return ep
}

// Selects reports whether pod is one of svc's candidate endpoints by
// namespace and labels: the service has a selector, and the pod is in the
// service's namespace and carries every pair of it. It says nothing about
// the pod's state.
func Selects(svc *api.Service, pod *api.Pod) bool {
	return len(svc.Spec.Selector) > 0 && pod.Namespace == svc.Namespace && hasAll(pod.Labels, svc.Spec.Selector)
}

// TargetPort resolves sp's targetPort for pod: a number as is (0: the
// service port), a name to the number of the pod's container port with
// that name and sp's protocol. ok is false when the pod has no such port.
func TargetPort(pod *api.Pod, sp *api.ServicePort) (port int32, ok bool) {
	tp := sp.TargetPort
	if tp.Type != api.TypeString {
		if tp.IntVal == 0 {
			return sp.Port, true
		}
		return tp.IntVal, true
	}
	want := protocol(sp.Protocol)
	for i := range pod.Spec.Containers {
		for _, cp := range pod.Spec.Containers[i].Ports {
			if cp.Name == tp.StrVal && protocol(cp.Protocol) == want {
				return cp.ContainerPort, true
			}
		}
	}
	return 0, false
}

// IsPodReady reports whether pod's Ready condition is True.
func IsPodReady(pod *api.Pod) bool {
	c := pod.Status.Condition(api.PodReady)
	return c != nil && c.Status == api.ConditionTrue
}

// IsTerminating reports whether pod's graceful deletion has started.
func IsTerminating(pod *api.Pod) bool { return pod.DeletionTimestamp != nil }

// PodAddr returns pod's IP if the pod can be an endpoint at all: placed on
// a node, with a valid IP, not finished.
func PodAddr(pod *api.Pod) (netip.Addr, bool) {
	if pod.Spec.NodeName == "" || pod.Status.PodIP == "" {
		return netip.Addr{}, false
	}
	if ph := pod.Status.Phase; ph == api.PodSucceeded || ph == api.PodFailed {
		return netip.Addr{}, false
	}
	ip, err := netip.ParseAddr(pod.Status.PodIP)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip, true
}

// isReady says whether a counted pod goes to addresses.
func isReady(svc *api.Service, pod *api.Pod) bool {
	if IsTerminating(pod) {
		return false
	}
	return svc.Spec.PublishNotReadyAddresses || IsPodReady(pod)
}

func address(svc *api.Service, pod *api.Pod) api.EndpointAddress {
	a := api.EndpointAddress{
		IP:        pod.Status.PodIP,
		NodeName:  pod.Spec.NodeName,
		TargetRef: &api.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
	}
	if pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name {
		a.Hostname = pod.Spec.Hostname
	}
	return a
}

func protocol(p api.Protocol) api.Protocol {
	if p == "" {
		return api.ProtocolTCP
	}
	return p
}

// noPort stands for "no ports" (a headless service without ports); real
// ports are never negative.
var noPort = api.EndpointPort{Port: -1}

// member is one pod under one port.
type member struct {
	ip    netip.Addr
	ready bool
	pod   *api.Pod
	pos   int // index in Compute's input: identifies the pod cheaply
}

func compareMembers(a, b member) int {
	return cmp.Or(a.ip.Compare(b.ip), strings.Compare(a.pod.UID, b.pod.UID), strings.Compare(a.pod.Name, b.pod.Name))
}

func comparePorts(a, b api.EndpointPort) int {
	return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(string(a.Protocol), string(b.Protocol)),
		cmp.Compare(a.Port, b.Port), strings.Compare(a.AppProtocol, b.AppProtocol))
}

// grouper collects, per resolved port, the pods that take it, then packs
// ports that share the same pods into one subset.
type grouper struct {
	groups []portGroup
	byPort map[api.EndpointPort]int // index in groups
	// last[i] is 1 + the group service port i resolved to last: pods of
	// one workload nearly always resolve alike, so most adds skip the map.
	last []int
	// hint is how many members the first group is likely to get.
	hint int
}

type portGroup struct {
	port    api.EndpointPort
	members []member
}

// add files m under port p, which service port i resolved to.
func (g *grouper) add(i int, p api.EndpointPort, m member) {
	if l := g.last[i]; l > 0 && g.groups[l-1].port == p {
		g.groups[l-1].members = append(g.groups[l-1].members, m)
		return
	}
	j := g.find(p)
	if j < 0 {
		j = len(g.groups)
		pg := portGroup{port: p}
		if j == 0 {
			pg.members = make([]member, 0, g.hint)
		}
		g.groups = append(g.groups, pg)
		if g.byPort != nil {
			g.byPort[p] = j
		} else if len(g.groups) > 8 {
			g.byPort = make(map[api.EndpointPort]int, len(g.groups))
			for k, pg := range g.groups {
				g.byPort[pg.port] = k
			}
		}
	}
	g.groups[j].members = append(g.groups[j].members, m)
	g.last[i] = j + 1
}

// find returns the index of p's group, or -1: a scan while there are few
// groups (the usual case), a map beyond.
func (g *grouper) find(p api.EndpointPort) int {
	if g.byPort != nil {
		if j, ok := g.byPort[p]; ok {
			return j
		}
		return -1
	}
	for j := range g.groups {
		if g.groups[j].port == p {
			return j
		}
	}
	return -1
}

func (g *grouper) subsets(svc *api.Service) []api.EndpointSubset {
	if len(g.groups) == 0 {
		return nil
	}
	// Sort each port's members, then bucket ports whose member lists are
	// equal (same pods, same readiness).
	type bucket struct {
		members []member
		ports   []api.EndpointPort
	}
	var buckets []*bucket
	var byKey map[string]*bucket
	var key []byte
	for _, pg := range g.groups {
		slices.SortFunc(pg.members, compareMembers)
		var b *bucket
		if len(g.groups) == 1 {
			b = &bucket{members: pg.members}
			buckets = append(buckets, b)
		} else {
			// A pod's readiness is the same under every port, so the
			// positions alone say whether two ports have the same
			// members.
			key = key[:0]
			for _, m := range pg.members {
				key = binary.AppendUvarint(key, uint64(m.pos))
			}
			if byKey == nil {
				byKey = map[string]*bucket{}
			}
			if b = byKey[string(key)]; b == nil {
				b = &bucket{members: pg.members}
				byKey[string(key)] = b
				buckets = append(buckets, b)
			}
		}
		if pg.port != noPort {
			b.ports = append(b.ports, pg.port)
		}
	}
	out := make([]api.EndpointSubset, 0, len(buckets))
	for _, b := range buckets {
		var s api.EndpointSubset
		ready := 0
		for _, m := range b.members {
			if m.ready {
				ready++
			}
		}
		if ready > 0 {
			s.Addresses = make([]api.EndpointAddress, 0, ready)
		}
		if ready < len(b.members) {
			s.NotReadyAddresses = make([]api.EndpointAddress, 0, len(b.members)-ready)
		}
		for _, m := range b.members {
			if m.ready {
				s.Addresses = append(s.Addresses, address(svc, m.pod))
			} else {
				s.NotReadyAddresses = append(s.NotReadyAddresses, address(svc, m.pod))
			}
		}
		slices.SortFunc(b.ports, comparePorts)
		s.Ports = b.ports
		out = append(out, s)
	}
	// Every port is in exactly one subset, so first ports differ; only a
	// headless service without ports has a (single) portless subset.
	slices.SortFunc(out, func(a, b api.EndpointSubset) int {
		if len(a.Ports) == 0 || len(b.Ports) == 0 {
			return cmp.Compare(len(a.Ports), len(b.Ports))
		}
		return comparePorts(a.Ports[0], b.Ports[0])
	})
	return out
}
