package runtime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	containerd "github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/core/containers"
	"github.com/containerd/containerd/v2/pkg/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Mount is a bind mount of a host path into the container.
type Mount struct {
	Source      string // host path
	Destination string // path in the container
	ReadOnly    bool
}

// ContainerConfig is one container as the reconciler wants it.
type ContainerConfig struct {
	// ID is the containerd container ID, unique per node.
	ID string
	// Image is the image reference; it must be present (GetImage).
	Image string
	// Command replaces the image's ENTRYPOINT and Args its CMD, as in
	// Kubernetes; nil means the image's.
	Command, Args []string
	// Env is "K=V", after the image's environment (later wins).
	Env []string
	// WorkingDir is the process's directory; "" means the image's.
	WorkingDir string
	// Hostname is the UTS host name; "" leaves the runtime's default.
	Hostname string
	// NetNSPath joins this network namespace; "" means a new, empty one.
	NetNSPath string
	// Mounts are bind mounts on top of the standard /proc, /dev, /sys...
	Mounts []Mount
	// UID and GID run the process as this user and group; nil means the
	// image's USER (or root).
	UID, GID *uint32
	// AdditionalGIDs are supplementary groups of the process (a pod's
	// fsGroup).
	AdditionalGIDs []uint32
	// ReadOnlyRootfs mounts the root file system read-only.
	ReadOnlyRootfs bool
	// Privileged gives every capability and device.
	Privileged bool
	// CapAdd and CapDrop are capability names ("NET_ADMIN" or
	// "CAP_NET_ADMIN"); CapDrop may hold "ALL".
	CapAdd, CapDrop []string
	// SeccompUnconfined runs without a seccomp filter; otherwise an
	// unprivileged container gets containerd's default filter
	// (RuntimeDefault). Privileged containers never get one, as in CRI.
	SeccompUnconfined bool
	// NoNewPrivileges sets no_new_privs, so setuid binaries and file
	// capabilities give the process nothing (allowPrivilegeEscalation:
	// false).
	NoNewPrivileges bool
	// MemoryLimit is bytes; 0 means none.
	MemoryLimit int64
	// CPUQuota and CPUPeriod are the CFS quota and period in µs; CPUShares
	// the relative weight; 0 leaves each unset.
	CPUQuota  int64
	CPUPeriod uint64
	CPUShares uint64
	// Labels are stored on the container and reported by ContainerStatus.
	Labels map[string]string

	// Host namespaces and sysctls (issue 12, hostns.go).

	// HostNetwork runs in the node's network and UTS namespaces (then
	// NetNSPath and Hostname must be empty); HostPID and HostIPC in its
	// PID and IPC namespaces.
	HostNetwork, HostPID, HostIPC bool
	// Sysctls are set in the container's namespaces before it starts.
	Sysctls map[string]string
}

// Validate checks what containerd would reject less clearly.
func (c *ContainerConfig) Validate() error {
	switch {
	case c.ID == "":
		return errors.New("container config: empty id")
	case c.Image == "":
		return fmt.Errorf("container %s: empty image", c.ID)
	case c.MemoryLimit < 0 || c.CPUQuota < 0:
		return fmt.Errorf("container %s: negative resource limit", c.ID)
	}
	for _, m := range c.Mounts {
		if !strings.HasPrefix(m.Destination, "/") || !strings.HasPrefix(m.Source, "/") {
			return fmt.Errorf("container %s: mount %s:%s: both paths must be absolute", c.ID, m.Source, m.Destination)
		}
	}
	if err := c.validateHostNamespaces(); err != nil {
		return err
	}
	for k := range c.Labels {
		if strings.HasPrefix(k, internalLabelPrefix) {
			return fmt.Errorf("container %s: label %s: prefix %s is reserved", c.ID, k, internalLabelPrefix)
		}
	}
	return nil
}

// cgroupsPath is the container's cgroup: one parent per namespace so
// Shoal's containers are easy to find and never mix with others'.
func cgroupsPath(namespace, id string) string {
	return "/shoal-" + namespace + "/" + id
}

// specOpts turn cfg into an OCI spec on top of containerd's defaults and
// the image config, in the order the CRI plugin uses.
func (r *Runtime) specOpts(image containerd.Image, cfg *ContainerConfig) []oci.SpecOpts {
	opts := []oci.SpecOpts{
		oci.WithDefaultSpec(),
		oci.WithDefaultUnixDevices,
		oci.WithImageConfig(image),
		withKubeArgs(image, cfg.Command, cfg.Args),
	}
	if cfg.Hostname != "" {
		opts = append(opts, oci.WithHostname(cfg.Hostname), oci.WithEnv([]string{"HOSTNAME=" + cfg.Hostname}))
	}
	if len(cfg.Env) > 0 {
		opts = append(opts, oci.WithEnv(cfg.Env))
	}
	if cfg.WorkingDir != "" {
		opts = append(opts, oci.WithProcessCwd(cfg.WorkingDir))
	}
	if cfg.NetNSPath != "" {
		opts = append(opts, oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: cfg.NetNSPath}))
	}
	opts = append(opts, hostNamespaceOpts(cfg)...)
	opts = append(opts, withBindMounts(cfg.Mounts))
	switch {
	case cfg.UID != nil && cfg.GID != nil:
		opts = append(opts, oci.WithUIDGID(*cfg.UID, *cfg.GID))
	case cfg.UID != nil:
		opts = append(opts, oci.WithUserID(*cfg.UID))
	case cfg.GID != nil:
		opts = append(opts, withGID(*cfg.GID))
	}
	if len(cfg.AdditionalGIDs) > 0 {
		opts = append(opts, withAdditionalGIDs(cfg.AdditionalGIDs))
	}
	if cfg.ReadOnlyRootfs {
		opts = append(opts, oci.WithRootFSReadonly())
	}
	if cfg.Privileged {
		opts = append(opts, oci.WithPrivileged, oci.WithAllDevicesAllowed, oci.WithHostDevices)
	} else {
		if drop := normalizeCaps(cfg.CapDrop); slices.Contains(drop, "ALL") {
			opts = append(opts, oci.WithCapabilities(nil))
		} else if len(drop) > 0 {
			opts = append(opts, oci.WithDroppedCapabilities(drop))
		}
		if add := normalizeCaps(cfg.CapAdd); slices.Contains(add, "ALL") {
			opts = append(opts, oci.WithAllCurrentCapabilities)
		} else if len(add) > 0 {
			opts = append(opts, oci.WithAddedCapabilities(add))
		}
	}
	opts = append(opts, securityOpts(cfg)...)
	if cfg.MemoryLimit > 0 {
		opts = append(opts, oci.WithMemoryLimit(uint64(cfg.MemoryLimit)))
	}
	if cfg.CPUQuota > 0 || cfg.CPUPeriod > 0 {
		opts = append(opts, oci.WithCPUCFS(cfg.CPUQuota, cfg.CPUPeriod))
	}
	if cfg.CPUShares > 0 {
		opts = append(opts, oci.WithCPUShares(cfg.CPUShares))
	}
	opts = append(opts, oci.WithCgroup(cgroupsPath(r.cfg.Namespace, cfg.ID)))
	return opts
}

// withKubeArgs sets the process args with Kubernetes semantics: Command
// replaces ENTRYPOINT (and drops CMD), Args replaces CMD.
func withKubeArgs(image containerd.Image, command, args []string) oci.SpecOpts {
	return func(ctx context.Context, _ oci.Client, _ *containers.Container, s *oci.Spec) error {
		ic, err := image.Spec(ctx)
		if err != nil {
			return fmt.Errorf("image config of %s: %w", image.Name(), err)
		}
		var argv []string
		switch {
		case len(command) > 0:
			argv = append(append(argv, command...), args...)
		case len(args) > 0:
			argv = append(append(argv, ic.Config.Entrypoint...), args...)
		default:
			argv = append(append(argv, ic.Config.Entrypoint...), ic.Config.Cmd...)
		}
		if len(argv) == 0 {
			return fmt.Errorf("image %s has no ENTRYPOINT or CMD and the container gives no command", image.Name())
		}
		s.Process.Args = argv
		return nil
	}
}

// withBindMounts adds rbind mounts; each replaces a default mount at the
// same destination.
func withBindMounts(mounts []Mount) oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, _ *containers.Container, s *oci.Spec) error {
		for _, m := range mounts {
			kept := s.Mounts[:0]
			for _, have := range s.Mounts {
				if have.Destination != m.Destination {
					kept = append(kept, have)
				}
			}
			s.Mounts = kept
			mode := "rw"
			if m.ReadOnly {
				mode = "ro"
			}
			s.Mounts = append(s.Mounts, specs.Mount{
				Type:        "bind",
				Source:      m.Source,
				Destination: m.Destination,
				Options:     []string{"rbind", "rprivate", mode},
			})
		}
		return nil
	}
}

// withGID keeps the image's user but runs with group gid.
func withGID(gid uint32) oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, _ *containers.Container, s *oci.Spec) error {
		s.Process.User.GID = gid
		return nil
	}
}

// withAdditionalGIDs adds supplementary groups to the process.
func withAdditionalGIDs(gids []uint32) oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, _ *containers.Container, s *oci.Spec) error {
		for _, g := range gids {
			if !slices.Contains(s.Process.User.AdditionalGids, g) {
				s.Process.User.AdditionalGids = append(s.Process.User.AdditionalGids, g)
			}
		}
		return nil
	}
}

// normalizeCaps upper-cases names and adds the CAP_ prefix ("ALL" stays).
func normalizeCaps(caps []string) []string {
	out := make([]string, 0, len(caps))
	for _, c := range caps {
		c = strings.ToUpper(strings.TrimSpace(c))
		if c == "" {
			continue
		}
		if c != "ALL" && !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		out = append(out, c)
	}
	return out
}
