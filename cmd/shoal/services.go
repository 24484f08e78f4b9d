package main

import (
	"fmt"
	"io"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/shoal-dev/shoal/api"
)

// Services and endpoints print kubectl's columns, which have no STATUS.

func serviceColumns() []column {
	return []column{
		{header: "TYPE", cell: func(o api.Object) string { return serviceType(o.(*api.Service)) }},
		{header: "CLUSTER-IP", cell: func(o api.Object) string { return orNone(o.(*api.Service).Spec.ClusterIP) }},
		{header: "EXTERNAL-IP", cell: func(o api.Object) string { return serviceExternalIP(o.(*api.Service)) }},
		{header: "PORT(S)", cell: func(o api.Object) string { return servicePorts(o.(*api.Service)) }},
		{header: "SELECTOR", wide: true, cell: func(o api.Object) string { return selectorString(o.(*api.Service).Spec.Selector) }},
	}
}

func endpointsColumns() []column {
	return []column{{header: "ENDPOINTS", cell: func(o api.Object) string { return formatEndpoints(o.(*api.Endpoints), nil) }}}
}

func serviceType(s *api.Service) string {
	if s.Spec.Type == "" {
		return string(api.ServiceTypeClusterIP)
	}
	return string(s.Spec.Type)
}

// serviceExternalIP is kubectl's EXTERNAL-IP: the external name of an
// ExternalName service; for a LoadBalancer its ingress addresses then its
// externalIPs, or <pending> while it has none; otherwise externalIPs or
// <none>. Unlike kubectl, a long list is never shortened.
func serviceExternalIP(s *api.Service) string {
	switch s.Spec.Type {
	case api.ServiceTypeExternalName:
		return s.Spec.ExternalName
	case api.ServiceTypeLoadBalancer:
		var ips []string
		for _, in := range s.Status.LoadBalancer.Ingress {
			ips = append(ips, in.IP)
		}
		ips = append(ips, s.Spec.ExternalIPs...)
		if len(ips) == 0 {
			return "<pending>"
		}
		return strings.Join(ips, ",")
	}
	return orNone(strings.Join(s.Spec.ExternalIPs, ","))
}

// servicePorts is kubectl's PORT(S): 80/TCP, or 80:30080/TCP with a node
// port, comma-joined.
func servicePorts(s *api.Service) string {
	ps := make([]string, 0, len(s.Spec.Ports))
	for _, p := range s.Spec.Ports {
		if p.NodePort != 0 {
			ps = append(ps, fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, protocolOrTCP(p.Protocol)))
		} else {
			ps = append(ps, fmt.Sprintf("%d/%s", p.Port, protocolOrTCP(p.Protocol)))
		}
	}
	return orNone(strings.Join(ps, ","))
}

func protocolOrTCP(p api.Protocol) api.Protocol {
	if p == "" {
		return api.ProtocolTCP
	}
	return p
}

// selectorString writes a selector as k=v,k=v sorted by key, or <none>.
func selectorString(sel map[string]string) string {
	keys := slices.Sorted(maps.Keys(sel))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + sel[k]
	}
	return orNone(strings.Join(parts, ","))
}

// maxEndpoints is how many addresses formatEndpoints lists before it
// says "+ N more..." (kubectl's 3).
const maxEndpoints = 3

// formatEndpoints is kubectl's ENDPOINTS cell: ready ip:port pairs (just
// ip for a headless service without ports), subset by subset, port by
// port, the first three then "+ N more...". portName, if not nil, keeps
// only the ports of that name (describe's per-port Endpoints line).
func formatEndpoints(ep *api.Endpoints, portName *string) string {
	var list []string
	count := 0
	add := func(s string) {
		count++
		if len(list) < maxEndpoints {
			list = append(list, s)
		}
	}
	for _, ss := range ep.Subsets {
		if len(ss.Ports) == 0 {
			if portName == nil {
				for _, a := range ss.Addresses {
					add(a.IP)
				}
			}
			continue
		}
		for _, p := range ss.Ports {
			if portName != nil && p.Name != *portName {
				continue
			}
			for _, a := range ss.Addresses {
				add(net.JoinHostPort(a.IP, strconv.Itoa(int(p.Port))))
			}
		}
	}
	if count == 0 {
		return "<none>"
	}
	s := strings.Join(list, ",")
	if count > maxEndpoints {
		s += fmt.Sprintf(" + %d more...", count-maxEndpoints)
	}
	return s
}

// describeService prints a service like kubectl describe: addresses,
// ports and, from ep (nil if unknown), the ready endpoints of each port.
func describeService(w io.Writer, s *api.Service, ep *api.Endpoints) {
	f := func(label, value string) { fmt.Fprintf(w, "%-25s%s\n", label+":", value) }
	f("Name", s.Name)
	f("Namespace", s.Namespace)
	f("Labels", multiline(s.Labels, 25))
	f("Annotations", multiline(s.Annotations, 25))
	if s.CreationTimestamp != nil {
		f("Created", fmt.Sprintf("%s (%s ago)", s.CreationTimestamp.Format("2006-01-02 15:04:05 MST"), age(s.CreationTimestamp)))
	}
	f("Selector", selectorString(s.Spec.Selector))
	f("Type", serviceType(s))
	if s.Spec.Type != api.ServiceTypeExternalName {
		f("IP", orNone(s.Spec.ClusterIP))
	}
	if len(s.Spec.ExternalIPs) > 0 {
		f("External IPs", strings.Join(s.Spec.ExternalIPs, ","))
	}
	if s.Spec.Type == api.ServiceTypeLoadBalancer {
		var ips []string
		for _, in := range s.Status.LoadBalancer.Ingress {
			ips = append(ips, in.IP)
		}
		f("LoadBalancer Ingress", orPending(strings.Join(ips, ", ")))
	}
	if s.Spec.Type == api.ServiceTypeExternalName {
		f("External Name", s.Spec.ExternalName)
	}
	for _, p := range s.Spec.Ports {
		name := p.Name
		if name == "" {
			name = "<unset>"
		}
		proto := protocolOrTCP(p.Protocol)
		f("Port", fmt.Sprintf("%s  %d/%s", name, p.Port, proto))
		target := p.TargetPort.String()
		if p.TargetPort.IsZero() {
			target = strconv.Itoa(int(p.Port))
		}
		f("TargetPort", fmt.Sprintf("%s/%s", target, proto))
		if p.NodePort != 0 {
			f("NodePort", fmt.Sprintf("%s  %d/%s", name, p.NodePort, proto))
		}
		if ep != nil {
			f("Endpoints", formatEndpoints(ep, &p.Name))
		}
	}
	if len(s.Spec.Ports) == 0 && ep != nil {
		f("Endpoints", formatEndpoints(ep, nil))
	}
	affinity := string(s.Spec.SessionAffinity)
	if affinity == "" {
		affinity = string(api.SessionAffinityNone)
	}
	if t := s.AffinityTimeout(); t > 0 {
		affinity += fmt.Sprintf(" (timeout %ds)", t)
	}
	f("Session Affinity", affinity)
	if s.Spec.PublishNotReadyAddresses {
		f("Publish Not Ready", "true")
	}
	if p := s.Spec.ExternalTrafficPolicy; p != "" {
		f("External Traffic Policy", string(p))
	}
	if p := s.Spec.InternalTrafficPolicy; p != "" {
		f("Internal Traffic Policy", string(p))
	}
}

func orPending(s string) string {
	if s == "" {
		return "<pending>"
	}
	return s
}

// multiline writes a map as sorted k=v lines indented to column indent, or
// <none>.
func multiline(m map[string]string, indent int) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return orNone(strings.Join(parts, "\n"+strings.Repeat(" ", indent)))
}
