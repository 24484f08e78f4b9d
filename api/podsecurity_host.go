package api

import (
	"fmt"
	"strings"
)

// hostNamespaceViolations lists what in spec breaks level baseline among
// the fields of api/podfields.go, in Kubernetes' words: host namespaces
// and sysctls outside SafeSysctls.
func hostNamespaceViolations(spec *PodSpec) []string {
	var v []string
	var host []string
	if spec.HostNetwork {
		host = append(host, "hostNetwork=true")
	}
	if spec.HostPID {
		host = append(host, "hostPID=true")
	}
	if spec.HostIPC {
		host = append(host, "hostIPC=true")
	}
	if len(host) > 0 {
		v = append(v, fmt.Sprintf("host namespaces (%s)", strings.Join(host, ", ")))
	}
	if sc := spec.SecurityContext; sc != nil {
		var bad []string
		for _, s := range sc.Sysctls {
			if !IsSafeSysctl(s.Name) {
				bad = append(bad, s.Name)
			}
		}
		if len(bad) > 0 {
			v = append(v, fmt.Sprintf("forbidden sysctls (%s; safe: %s)", strings.Join(bad, ", "), strings.Join(SafeSysctls, ", ")))
		}
	}
	return v
}
