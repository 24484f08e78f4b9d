package api

import "strings"

// Bounds on one Service: each port and address becomes rules on every
// node, so one manifest must not be able to make every node's data plane
// huge.
const (
	MaxServicePorts = 1000
	MaxExternalIPs  = 100
)

func validateService(e *errs, svc *Service) {
	s := &svc.Spec
	headless := s.ClusterIP == ClusterIPNone
	switch s.Type {
	case "", ServiceTypeClusterIP:
	case ServiceTypeNodePort, ServiceTypeLoadBalancer:
		if headless {
			e.add("spec.clusterIP", "may not be None for type %s", s.Type)
		}
	case ServiceTypeExternalName:
		validateExternalName(e, svc)
	default:
		e.add("spec.type", "unknown type %s (want ClusterIP, NodePort, LoadBalancer or ExternalName)", quote(string(s.Type)))
	}
	if s.ExternalName != "" && s.Type != ServiceTypeExternalName {
		e.add("spec.externalName", "may only be set for type ExternalName")
	}
	validateTrafficPolicies(e, svc)
	nodePorts := s.Type == ServiceTypeNodePort || s.Type == ServiceTypeLoadBalancer
	validateLabels(e, "spec.selector", s.Selector)
	if len(s.Ports) == 0 && !headless && s.Type != ServiceTypeExternalName {
		e.add("spec.ports", "required: at least one port (only a headless service, clusterIP None, may have none)")
	}
	if len(s.Ports) > MaxServicePorts {
		e.add("spec.ports", "too many ports: %d, at most %d (every port costs rules on every node)", len(s.Ports), MaxServicePorts)
	}
	if len(s.ExternalIPs) > MaxExternalIPs {
		e.add("spec.externalIPs", "too many addresses: %d, at most %d", len(s.ExternalIPs), MaxExternalIPs)
	}
	names := map[string]bool{}
	ports := map[string]bool{}
	usedNodePorts := map[string]bool{}
	for i, port := range s.Ports {
		p := index("spec.ports", i)
		switch {
		case port.Name == "" && len(s.Ports) > 1:
			e.add(child(p, "name"), "required when there is more than one port")
		case port.Name == "":
		case dnsLabelError(port.Name) != "":
			e.invalid(child(p, "name"), port.Name, dnsLabelError(port.Name))
		case names[port.Name]:
			e.add(child(p, "name"), "duplicate port name %s", quote(port.Name))
		}
		names[port.Name] = true
		proto := port.Protocol
		switch proto {
		case "":
			proto = ProtocolTCP
		case ProtocolTCP, ProtocolUDP, ProtocolSCTP:
		default:
			e.add(child(p, "protocol"), "unknown protocol %s (want TCP, UDP or SCTP)", quote(string(port.Protocol)))
		}
		if port.AppProtocol != "" {
			e.check(child(p, "appProtocol"), port.AppProtocol, qualifiedNameError(port.AppProtocol))
		}
		if port.Port < 1 || port.Port > 65535 {
			e.add(child(p, "port"), "must be 1-65535, got %d", port.Port)
		} else {
			pp := string(proto) + "/" + itoa(int(port.Port))
			if ports[pp] {
				e.add(child(p, "port"), "duplicate port %s", pp)
			}
			ports[pp] = true
		}
		if !port.TargetPort.IsZero() {
			validatePort(e, child(p, "targetPort"), port.TargetPort, nil)
		}
		switch {
		case port.NodePort == 0:
		case !nodePorts:
			e.add(child(p, "nodePort"), "may only be set for type NodePort or LoadBalancer")
		case port.NodePort < 1 || port.NodePort > 65535:
			// The agents' --node-port-range is checked when the service
			// is applied (placement/svcaddr.Admit).
			e.add(child(p, "nodePort"), "must be 1-65535, got %d", port.NodePort)
		default:
			np := string(proto) + "/" + itoa(int(port.NodePort))
			if usedNodePorts[np] {
				e.add(child(p, "nodePort"), "duplicate node port %s", np)
			}
			usedNodePorts[np] = true
		}
	}
	if s.ClusterIP != "" && !headless {
		validateIP(e, "spec.clusterIP", s.ClusterIP)
	}
	for i, ip := range s.ClusterIPs {
		p := index("spec.clusterIPs", i)
		switch {
		case i == 0 && ip != s.ClusterIP:
			e.add(p, "must equal spec.clusterIP %s, got %s", quote(s.ClusterIP), quote(ip))
		case i > 0 && headless:
			e.add(p, "must be the only entry for a headless service")
		case ip != ClusterIPNone:
			validateIP(e, p, ip)
		}
	}
	switch s.SessionAffinity {
	case "", SessionAffinityNone, SessionAffinityClientIP:
	default:
		e.add("spec.sessionAffinity", "unknown affinity %s (want None or ClientIP)", quote(string(s.SessionAffinity)))
	}
	if c := s.SessionAffinityConfig; c != nil {
		switch {
		case s.SessionAffinity != SessionAffinityClientIP:
			e.add("spec.sessionAffinityConfig", "may only be set with sessionAffinity ClientIP")
		case c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil && (*c.ClientIP.TimeoutSeconds < 1 || *c.ClientIP.TimeoutSeconds > 86400):
			e.add("spec.sessionAffinityConfig.clientIP.timeoutSeconds", "must be 1-86400, got %d", *c.ClientIP.TimeoutSeconds)
		}
	}
	for i, ip := range s.ExternalIPs {
		validateIP(e, index("spec.externalIPs", i), ip)
	}
	validateLoadBalancerStatus(e, "status.loadBalancer", &svc.Status.LoadBalancer)
}

// validateExternalName checks an ExternalName service: a DNS name to
// alias, and nothing that needs a virtual IP.
func validateExternalName(e *errs, svc *Service) {
	s := &svc.Spec
	switch {
	case s.ExternalName == "":
		e.add("spec.externalName", "required for type ExternalName: the DNS name to alias")
	default:
		e.check("spec.externalName", s.ExternalName, dnsSubdomainError(strings.TrimSuffix(s.ExternalName, ".")))
	}
	if s.ClusterIP != "" && s.ClusterIP != ClusterIPNone {
		e.add("spec.clusterIP", "may not be set for type ExternalName")
	}
	if len(s.Selector) > 0 {
		e.add("spec.selector", "may not be set for type ExternalName (it has no endpoints)")
	}
}

// validateTrafficPolicies checks externalTrafficPolicy and
// internalTrafficPolicy.
func validateTrafficPolicies(e *errs, svc *Service) {
	s := &svc.Spec
	for _, f := range []struct {
		path string
		v    TrafficPolicy
	}{{"spec.externalTrafficPolicy", s.ExternalTrafficPolicy}, {"spec.internalTrafficPolicy", s.InternalTrafficPolicy}} {
		switch f.v {
		case "", TrafficPolicyCluster, TrafficPolicyLocal:
		default:
			e.add(f.path, "unknown policy %s (want Cluster or Local)", quote(string(f.v)))
		}
	}
	external := s.Type == ServiceTypeNodePort || s.Type == ServiceTypeLoadBalancer || len(s.ExternalIPs) > 0
	if s.ExternalTrafficPolicy != "" && !external {
		e.add("spec.externalTrafficPolicy", "may only be set for type NodePort or LoadBalancer, or with externalIPs")
	}
	if s.Type == ServiceTypeExternalName && s.InternalTrafficPolicy != "" {
		e.add("spec.internalTrafficPolicy", "may not be set for type ExternalName")
	}
}

func validateLoadBalancerStatus(e *errs, p string, s *LoadBalancerStatus) {
	for i, in := range s.Ingress {
		validateIP(e, child(index(child(p, "ingress"), i), "ip"), in.IP)
	}
}
