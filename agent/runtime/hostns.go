package runtime

import (
	"context"
	"fmt"
	"maps"

	"github.com/containerd/containerd/v2/core/containers"
	"github.com/containerd/containerd/v2/pkg/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// validateHostNamespaces refuses a config that asks for the node's
// network namespace and also names another one or a host name (setting
// it would rename the node).
func (c *ContainerConfig) validateHostNamespaces() error {
	if !c.HostNetwork {
		return nil
	}
	switch {
	case c.NetNSPath != "":
		return fmt.Errorf("container %s: host network and network namespace %s both given", c.ID, c.NetNSPath)
	case c.Hostname != "":
		return fmt.Errorf("container %s: host network shares the node's host name; got hostname %q", c.ID, c.Hostname)
	}
	return nil
}

// hostNamespaceOpts put the container into the node's namespaces it asks
// for (hostNetwork also shares the UTS namespace, as in CRI) and set its
// sysctls.
func hostNamespaceOpts(cfg *ContainerConfig) []oci.SpecOpts {
	var opts []oci.SpecOpts
	if cfg.HostNetwork {
		opts = append(opts, oci.WithHostNamespace(specs.NetworkNamespace), oci.WithHostNamespace(specs.UTSNamespace))
	}
	if cfg.HostPID {
		opts = append(opts, oci.WithHostNamespace(specs.PIDNamespace))
	}
	if cfg.HostIPC {
		opts = append(opts, oci.WithHostNamespace(specs.IPCNamespace))
	}
	if len(cfg.Sysctls) > 0 {
		opts = append(opts, withSysctls(cfg.Sysctls))
	}
	return opts
}

// withSysctls sets sysctls; runc writes them inside the container's
// namespaces.
func withSysctls(sysctls map[string]string) oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, _ *containers.Container, s *oci.Spec) error {
		if s.Linux == nil {
			s.Linux = &specs.Linux{}
		}
		if s.Linux.Sysctl == nil {
			s.Linux.Sysctl = map[string]string{}
		}
		maps.Copy(s.Linux.Sysctl, sysctls)
		return nil
	}
}
