package cni

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// PortMapping is a hostPort: traffic to HostIP:HostPort on the node goes
// to the pod's ContainerPort.
type PortMapping struct {
	HostPort, ContainerPort int32
	// Protocol is "TCP" (default when empty), "UDP" or "SCTP".
	Protocol string
	// HostIP limits the mapping to one node address; empty means all.
	HostIP string
}

// PodRef names a pod.
type PodRef struct{ UID, Namespace, Name string }

// Sandbox is a pod's network namespace and address.
type Sandbox struct {
	NetNSPath string
	IP        netip.Addr
	Gateway   netip.Addr
}

// portMappings checks ports and turns them into portmap's runtime config.
func portMappings(ports []PortMapping) ([]map[string]any, error) {
	var errs []error
	out := make([]map[string]any, 0, len(ports))
	for i, p := range ports {
		proto := strings.ToLower(p.Protocol)
		if proto == "" {
			proto = "tcp"
		}
		if proto != "tcp" && proto != "udp" && proto != "sctp" {
			errs = append(errs, fmt.Errorf("cni: ports[%d].Protocol %q: want TCP, UDP or SCTP", i, p.Protocol))
		}
		if p.HostPort < 1 || p.HostPort > 65535 {
			errs = append(errs, fmt.Errorf("cni: ports[%d].HostPort %d: want 1-65535", i, p.HostPort))
		}
		if p.ContainerPort < 1 || p.ContainerPort > 65535 {
			errs = append(errs, fmt.Errorf("cni: ports[%d].ContainerPort %d: want 1-65535", i, p.ContainerPort))
		}
		m := map[string]any{"hostPort": p.HostPort, "containerPort": p.ContainerPort, "protocol": proto}
		if p.HostIP != "" {
			a, err := netip.ParseAddr(p.HostIP)
			if err != nil || !a.Is4() {
				errs = append(errs, fmt.Errorf("cni: ports[%d].HostIP %q: want an IPv4 address", i, p.HostIP))
			}
			m["hostIP"] = p.HostIP
		}
		out = append(out, m)
	}
	return out, errors.Join(errs...)
}

// validUID admits what CNI accepts as a container ID and can name a file.
func validUID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i, r := range s {
		alnum := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !alnum && (i == 0 || r != '-' && r != '_' && r != '.') {
			return false
		}
	}
	return true
}
