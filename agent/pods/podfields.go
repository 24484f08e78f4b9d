package pods

import (
	"net/netip"
	"os"
	"strings"

	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/agent/runtime/cni"
	"github.com/shoal-dev/shoal/api"
)

// runAsNonRoot is the effective runAsNonRoot of a container: its own
// securityContext's, else the pod's.
func runAsNonRoot(ps *api.PodSecurityContext, cs *api.SecurityContext) bool {
	var v *bool
	if ps != nil {
		v = ps.RunAsNonRoot
	}
	if cs != nil && cs.RunAsNonRoot != nil {
		v = cs.RunAsNonRoot
	}
	return v != nil && *v
}

// applyPodFields maps the pod-level fields of issue 12 onto a container's
// runtime config: host namespaces, supplementalGroups and sysctls.
func applyPodFields(cfg *runtime.ContainerConfig, pod *api.Pod) error {
	s := &pod.Spec
	cfg.HostNetwork, cfg.HostPID, cfg.HostIPC = s.HostNetwork, s.HostPID, s.HostIPC
	if s.HostNetwork {
		// The node's network and UTS namespaces: the node's host name,
		// which the container must not change.
		cfg.NetNSPath, cfg.Hostname = "", ""
		node, err := os.Hostname()
		if err != nil {
			return configErrorf("hostNetwork: node's host name: %v", err)
		}
		for i, e := range cfg.Env {
			if strings.HasPrefix(e, "HOSTNAME=") {
				cfg.Env[i] = "HOSTNAME=" + node
				break
			}
		}
	}
	sc := s.SecurityContext
	if sc == nil {
		return nil
	}
	for i := range sc.SupplementalGroups {
		g, err := checkedID("supplementalGroups", &sc.SupplementalGroups[i])
		if err != nil {
			return err
		}
		cfg.AdditionalGIDs = append(cfg.AdditionalGIDs, *g)
	}
	if len(sc.Sysctls) > 0 {
		cfg.Sysctls = make(map[string]string, len(sc.Sysctls))
		for _, sy := range sc.Sysctls {
			cfg.Sysctls[sy.Name] = sy.Value
		}
	}
	return nil
}

// hostSandbox is the "sandbox" of a hostNetwork pod: the node's network
// namespace (no path: the runtime's own) and the node's address as the
// pod IP, as in Kubernetes.
func (m *Manager) hostSandbox() *cni.Sandbox {
	ip, _ := netip.ParseAddr(m.cfg.NodeIP) // not an address: no pod IP
	return &cni.Sandbox{IP: ip}
}
