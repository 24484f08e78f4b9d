package pods

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/api"
)

// cpuPeriod is the CFS period limits are expressed in, as kubelet.
const cpuPeriod = 100000

// containerConfig is the runtime's view of container c of pod: argv, env,
// mounts, user, capabilities and cgroup limits. subPaths are bind-mounted
// under podDir (see bindSubPath).
func containerConfig(pod *api.Pod, c *api.Container, env []string, vols map[string]string, etc []runtime.Mount, netns, podDir string) (runtime.ContainerConfig, error) {
	cfg := runtime.ContainerConfig{
		ID:         containerID(pod.UID, c.Name),
		Image:      c.Image,
		Command:    expandAll(c.Command, env),
		Args:       expandAll(c.Args, env),
		Env:        append([]string{"HOSTNAME=" + hostname(pod)}, env...),
		WorkingDir: c.WorkingDir,
		Hostname:   hostname(pod),
		NetNSPath:  netns,
		Labels: map[string]string{
			LabelPodUID:       pod.UID,
			LabelPodName:      pod.Name,
			LabelPodNamespace: pod.Namespace,
			LabelContainer:    c.Name,
		},
	}
	cfg.Mounts = append(cfg.Mounts, etc...)
	for i, m := range c.VolumeMounts {
		src, ok := vols[m.Name]
		if !ok {
			return cfg, configErrorf("volumeMount %q names no volume of the pod", m.Name)
		}
		if m.SubPath != "" {
			sub := filepath.Clean(m.SubPath)
			if filepath.IsAbs(sub) || strings.HasPrefix(sub, "..") {
				return cfg, configErrorf("volumeMount %q: subPath %q leaves the volume", m.Name, m.SubPath)
			}
			target := filepath.Join(subPathsDir(podDir), c.Name, strconv.Itoa(i))
			bound, err := bindSubPath(src, sub, target)
			if err != nil {
				return cfg, configErrorf("volumeMount %q: subPath %q: %v", m.Name, m.SubPath, err)
			}
			src = bound
		}
		// ConfigMap and Secret volumes are the agent's to write: the pod
		// only reads them.
		ro := m.ReadOnly || readOnlyVolume(pod, m.Name)
		cfg.Mounts = append(cfg.Mounts, runtime.Mount{Source: src, Destination: m.MountPath, ReadOnly: ro})
	}
	if err := applySecurity(&cfg, pod.Spec.SecurityContext, c.SecurityContext); err != nil {
		return cfg, err
	}
	if err := applyPodFields(&cfg, pod); err != nil {
		return cfg, err
	}
	applyResources(&cfg, c.Resources)
	return cfg, nil
}

// readOnlyVolume reports whether the pod's volume name is a ConfigMap or
// Secret projection.
func readOnlyVolume(pod *api.Pod, name string) bool {
	for _, v := range pod.Spec.Volumes {
		if v.Name == name {
			return v.ConfigMap != nil || v.Secret != nil || v.Projected != nil || v.DownwardAPI != nil
		}
	}
	return false
}

// applySecurity maps the pod's and container's securityContext (the
// container's wins) onto the runtime config.
func applySecurity(cfg *runtime.ContainerConfig, ps *api.PodSecurityContext, cs *api.SecurityContext) error {
	var uid, gid *int64
	var profile *api.SeccompProfile
	if ps != nil {
		uid, gid, profile = ps.RunAsUser, ps.RunAsGroup, ps.SeccompProfile
		if ps.FSGroup != nil {
			g, err := checkedID("fsGroup", ps.FSGroup)
			if err != nil {
				return err
			}
			cfg.AdditionalGIDs = []uint32{*g}
		}
	}
	if cs != nil {
		if cs.RunAsUser != nil {
			uid = cs.RunAsUser
		}
		if cs.RunAsGroup != nil {
			gid = cs.RunAsGroup
		}
		if cs.ReadOnlyRootFilesystem != nil {
			cfg.ReadOnlyRootfs = *cs.ReadOnlyRootFilesystem
		}
		if cs.Privileged != nil {
			cfg.Privileged = *cs.Privileged
		}
		if c := cs.Capabilities; c != nil {
			cfg.CapAdd, cfg.CapDrop = c.Add, c.Drop
		}
		if cs.SeccompProfile != nil {
			profile = cs.SeccompProfile
		}
		// As kubelet: no_new_privs only when asked for; unset allows
		// escalation.
		cfg.NoNewPrivileges = cs.AllowPrivilegeEscalation != nil && !*cs.AllowPrivilegeEscalation
	}
	if nonRoot := runAsNonRoot(ps, cs); nonRoot && (uid == nil || *uid == 0) {
		return configErrorf("runAsNonRoot is set but runAsUser is %s", describeUID(uid))
	}
	if profile != nil {
		switch profile.Type {
		case api.SeccompUnconfined:
			cfg.SeccompUnconfined = true
		case api.SeccompRuntimeDefault:
		default: // validation refuses the others
			return configErrorf("seccompProfile type %q is not supported (RuntimeDefault or Unconfined)", profile.Type)
		}
	}
	// Check the range before narrowing: 4294967296 would become 0, root,
	// after runAsNonRoot above was satisfied that it is not 0. Validation
	// refuses such IDs; objects stored before it did reach here.
	var err error
	if cfg.UID, err = checkedID("runAsUser", uid); err != nil {
		return err
	}
	if cfg.GID, err = checkedID("runAsGroup", gid); err != nil {
		return err
	}
	return nil
}

// checkedID narrows a UID or GID to 32 bits, refusing one outside
// 0..api.MaxID. A nil id stays nil.
func checkedID(field string, id *int64) (*uint32, error) {
	if id == nil {
		return nil, nil
	}
	if *id < 0 || *id > api.MaxID {
		return nil, configErrorf("%s %d is outside 0-%d", field, *id, api.MaxID)
	}
	v := uint32(*id)
	return &v, nil
}

func describeUID(uid *int64) string {
	if uid == nil {
		return "unset (the image's user may be root)"
	}
	return fmt.Sprint(*uid)
}

// applyResources turns limits into cgroup settings: memory limit, CPU
// quota over a 100 ms period, and CPU shares from the request.
func applyResources(cfg *runtime.ContainerConfig, r api.ResourceRequirements) {
	if q, ok := r.Limits["memory"]; ok {
		cfg.MemoryLimit = q.Value()
	}
	if q, ok := r.Limits["cpu"]; ok {
		if m := q.MilliValue(); m > 0 {
			cfg.CPUQuota = max(m*cpuPeriod/1000, 1000)
			cfg.CPUPeriod = cpuPeriod
		}
	}
	req, ok := r.Requests["cpu"]
	if !ok {
		req, ok = r.Limits["cpu"]
	}
	if ok {
		cfg.CPUShares = uint64(max(req.MilliValue()*1024/1000, 2))
	}
}
