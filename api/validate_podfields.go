package api

import (
	"strings"
)

// validatePodFields checks the pod-level fields of api/podfields.go: DNS,
// host aliases, host namespaces and the pod securityContext's process
// settings.
func validatePodFields(e *errs, p string, s *PodSpec) {
	switch s.DNSPolicy {
	case "", DNSClusterFirst, DNSClusterFirstWithHostNet, DNSDefault, DNSNone:
	default:
		e.add(child(p, "dnsPolicy"), "unknown policy %s (want ClusterFirst, ClusterFirstWithHostNet, Default or None)", quote(string(s.DNSPolicy)))
	}
	if s.DNSPolicy == DNSNone && (s.DNSConfig == nil || len(s.DNSConfig.Nameservers) == 0) {
		e.add(child(p, "dnsConfig.nameservers"), "required: at least one nameserver when dnsPolicy is None")
	}
	if c := s.DNSConfig; c != nil {
		validateDNSConfig(e, child(p, "dnsConfig"), c)
	}
	for i, a := range s.HostAliases {
		ap := index(child(p, "hostAliases"), i)
		if a.IP == "" {
			e.required(child(ap, "ip"))
		} else {
			validateIP(e, child(ap, "ip"), a.IP)
		}
		if len(a.Hostnames) == 0 {
			e.add(child(ap, "hostnames"), "required: at least one host name")
		}
		for j, h := range a.Hostnames {
			e.check(index(child(ap, "hostnames"), j), h, dnsSubdomainError(h))
		}
	}
	validateImagePullSecrets(e, child(p, "imagePullSecrets"), s.ImagePullSecrets)
	if s.HostNetwork {
		for i := range s.Containers {
			for j, port := range s.Containers[i].Ports {
				if port.HostPort != 0 && port.HostPort != port.ContainerPort {
					e.add(child(index(child(index(child(p, "containers"), i), "ports"), j), "hostPort"),
						"must equal containerPort (%d) when hostNetwork is set, got %d", port.ContainerPort, port.HostPort)
				}
			}
		}
	}
	if sc := s.SecurityContext; sc != nil {
		sp := child(p, "securityContext")
		for i := range sc.SupplementalGroups {
			validID(e, index(child(sp, "supplementalGroups"), i), &sc.SupplementalGroups[i])
		}
		validateSysctls(e, child(sp, "sysctls"), sc.Sysctls, s.HostNetwork, s.HostIPC)
		if f := sc.FSGroupChangePolicy; f != nil && *f != FSGroupChangeOnRootMismatch && *f != FSGroupChangeAlways {
			e.add(child(sp, "fsGroupChangePolicy"), "unknown policy %s (want OnRootMismatch or Always)", quote(string(*f)))
		}
	}
}

func validateDNSConfig(e *errs, p string, c *PodDNSConfig) {
	if n := len(c.Nameservers); n > MaxDNSNameservers {
		e.add(child(p, "nameservers"), "must have at most %d nameservers, got %d", MaxDNSNameservers, n)
	}
	for i, ns := range c.Nameservers {
		if ns == "" {
			e.required(index(child(p, "nameservers"), i))
			continue
		}
		validateIP(e, index(child(p, "nameservers"), i), ns)
	}
	if n := len(c.Searches); n > MaxDNSSearches {
		e.add(child(p, "searches"), "must have at most %d search domains, got %d", MaxDNSSearches, n)
	}
	if n := len(strings.Join(c.Searches, " ")); n > MaxDNSSearchChars {
		e.add(child(p, "searches"), "must have at most %d characters in all, got %d", MaxDNSSearchChars, n)
	}
	for i, d := range c.Searches {
		// A trailing dot (an absolute name) is allowed, as in Kubernetes.
		e.check(index(child(p, "searches"), i), d, dnsSubdomainError(strings.TrimSuffix(d, ".")))
	}
	for i, o := range c.Options {
		if o.Name == "" {
			e.required(child(index(child(p, "options"), i), "name"))
		}
	}
}

// defaultHostNetworkPorts gives a hostNetwork pod's container ports their
// host port, as Kubernetes does: the container listens on the node, and
// the scheduler then keeps two pods that use one port off the same node.
func defaultHostNetworkPorts(s *PodSpec) {
	if !s.HostNetwork {
		return
	}
	for _, cs := range [][]Container{s.InitContainers, s.Containers} {
		for i := range cs {
			for j := range cs[i].Ports {
				if port := &cs[i].Ports[j]; port.HostPort == 0 {
					port.HostPort = port.ContainerPort
				}
			}
		}
	}
}
