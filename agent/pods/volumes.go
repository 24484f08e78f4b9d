package pods

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/api"
)

// volumes makes each of the pod's volumes exist on the node and returns
// volume name → host directory. ConfigMap and Secret volumes are
// projected again on every call, so edits reach running pods.
func volumes(dataDir string, view View, pod *api.Pod) (map[string]string, error) {
	out := make(map[string]string, len(pod.Spec.Volumes))
	base := filepath.Join(podDir(dataDir, pod.UID), "volumes")
	for _, v := range pod.Spec.Volumes {
		var dir string
		var err error
		switch {
		case v.EmptyDir != nil:
			dir, err = emptyDir(base, v)
		case v.HostPath != nil:
			dir, err = hostPath(v.HostPath)
		case v.ConfigMap != nil:
			dir = filepath.Join(base, "configmap", v.Name)
			err = projectConfigMap(view, pod.Namespace, v.ConfigMap, dir)
		case v.Secret != nil:
			dir = filepath.Join(base, "secret", v.Name)
			err = projectSecret(view, pod.Namespace, v.Secret, dir)
		case v.Projected != nil || v.DownwardAPI != nil:
			dir = filepath.Join(base, "projected", v.Name)
			err = projectVolume(view, pod, &v, dir)
		case v.PersistentVolumeClaim != nil:
			dir = claimDir(dataDir, pod.Namespace, v.PersistentVolumeClaim.ClaimName)
			err = os.MkdirAll(dir, 0o777)
		default:
			err = configErrorf("volume %q has no source", v.Name)
		}
		if err == nil && (v.EmptyDir != nil || v.PersistentVolumeClaim != nil) {
			err = applyFSGroup(dir, pod.Spec.SecurityContext)
		}
		if err != nil {
			return nil, fmt.Errorf("volume %s: %w", v.Name, err)
		}
		out[v.Name] = dir
	}
	return out, nil
}

// applyFSGroup gives a writable volume's directory to the pod's fsGroup,
// group-writable with the setgid bit so new files inherit the group, as
// kubelet does (for the directory itself, not recursively).
func applyFSGroup(dir string, sc *api.PodSecurityContext) error {
	if sc == nil || sc.FSGroup == nil {
		return nil
	}
	gid := int(*sc.FSGroup)
	if fi, err := os.Stat(dir); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Gid) == gid && fi.Mode()&os.ModeSetgid != 0 {
			return nil
		}
	}
	if err := os.Chown(dir, -1, gid); err != nil {
		return err
	}
	return os.Chmod(dir, 0o775|os.ModeSetgid)
}

func hostPath(h *api.HostPathVolumeSource) (string, error) {
	fi, err := os.Stat(h.Path)
	switch h.Type {
	case api.HostPathDirectoryOrCreate:
		if errors.Is(err, fs.ErrNotExist) {
			return h.Path, os.MkdirAll(h.Path, 0o755)
		}
	case api.HostPathFileOrCreate:
		if errors.Is(err, fs.ErrNotExist) {
			if err := os.MkdirAll(filepath.Dir(h.Path), 0o755); err != nil {
				return "", err
			}
			return h.Path, os.WriteFile(h.Path, nil, 0o644)
		}
	case api.HostPathDirectory:
		if err == nil && !fi.IsDir() {
			return "", configErrorf("hostPath %s is not a directory", h.Path)
		}
	case api.HostPathFile:
		if err == nil && !fi.Mode().IsRegular() {
			return "", configErrorf("hostPath %s is not a file", h.Path)
		}
	}
	if err != nil && h.Type != api.HostPathUnset {
		return "", configErrorf("hostPath %s: %v", h.Path, err)
	}
	return h.Path, nil
}

func projectConfigMap(view View, ns string, src *api.ConfigMapVolumeSource, dir string) error {
	optional := api.IsOptional(src.Optional)
	data := map[string][]byte{}
	if o, ok := view.Get("ConfigMap", ns, src.Name); ok {
		cm := o.(*api.ConfigMap)
		for k, v := range cm.Data {
			data[k] = []byte(v)
		}
		for k, v := range cm.BinaryData {
			data[k] = v
		}
	} else if !optional {
		return configErrorf("configmap %q not found", src.Name)
	}
	items, data := presentItems(src.Items, data, optional)
	return project(dir, data, items, src.DefaultMode, 0o644, "configmap "+src.Name)
}

func projectSecret(view View, ns string, src *api.SecretVolumeSource, dir string) error {
	optional := api.IsOptional(src.Optional)
	data := map[string][]byte{}
	if o, ok := view.Get("Secret", ns, src.SecretName); ok {
		s := o.(*api.Secret)
		for k, v := range s.StringData {
			data[k] = []byte(v)
		}
		for k, v := range s.Data {
			data[k] = v
		}
	} else if !optional {
		return configErrorf("secret %q not found", src.SecretName)
	}
	items, data := presentItems(src.Items, data, optional)
	return project(dir, data, items, src.DefaultMode, 0o644, "secret "+src.SecretName)
}

// project writes keys as files into dir (all keys, or only items) and
// removes files that are no longer wanted. Files are rewritten only when
// their content or mode changes.
func project(dir string, data map[string][]byte, items []api.KeyToPath, defMode *int32, fallback fs.FileMode, what string) error {
	mode := fallback
	if defMode != nil {
		mode = fs.FileMode(*defMode) & fs.ModePerm
	}
	type want struct {
		data []byte
		mode fs.FileMode
	}
	files := map[string]want{}
	if len(items) == 0 {
		for k, v := range data {
			files[k] = want{v, mode}
		}
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			return configErrorf("key %q not found in %s", it.Key, what)
		}
		m := mode
		if it.Mode != nil {
			m = fs.FileMode(*it.Mode) & fs.ModePerm
		}
		files[filepath.Clean(it.Path)] = want{v, m}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for rel, w := range files {
		if rel == "." || strings.HasPrefix(rel, "..") || filepath.IsAbs(rel) {
			return configErrorf("path %q in %s leaves the volume", rel, what)
		}
		p := filepath.Join(dir, rel)
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, w.data) {
			if fi, err := os.Stat(p); err == nil && fi.Mode().Perm() == w.mode {
				continue
			}
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := writeAtomic(p, w.data, w.mode); err != nil {
			return err
		}
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasPrefix(d.Name(), ".tmp-") {
			return os.Remove(p)
		}
		rel, _ := filepath.Rel(dir, p)
		if _, ok := files[rel]; !ok {
			return os.Remove(p)
		}
		return nil
	})
}

// writeAtomic replaces path with data, so a reader in the pod never sees
// a half-written file.
// The temporary file gets a fresh random name (O_EXCL) and its mode is set
// on the open file, so nothing in the directory can redirect the write.
func writeAtomic(path string, data []byte, mode fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-")
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	cerr := f.Chmod(mode)
	if err := errors.Join(werr, cerr, f.Close()); err != nil {
		_ = os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		_ = os.Remove(f.Name())
		return err
	}
	return nil
}

// etcEnv is what a pod's /etc files depend on besides the pod itself.
type etcEnv struct {
	// PodIP is the pod's address ("" before it has one).
	PodIP string
	// DNSIP is the cluster DNS server, Domain the cluster's DNS zone.
	DNSIP, Domain string
	// HostResolv returns the resolv.conf of dnsPolicy Default.
	HostResolv func() (ResolvConf, error)
	// HostHosts returns the node's /etc/hosts, for hostNetwork pods.
	HostHosts func() ([]byte, error)
	// NodeHostname is a hostNetwork pod's host name.
	NodeHostname string
}

// etcFiles writes the pod's /etc/hosts, /etc/hostname and
// /etc/resolv.conf and returns the mounts for them.
func etcFiles(dataDir string, pod *api.Pod, env etcEnv) ([]runtime.Mount, error) {
	dir := filepath.Join(podDir(dataDir, pod.UID), "etc")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	hosts, err := podHosts(pod, env.PodIP, env.Domain, env.HostHosts)
	if err != nil {
		return nil, err
	}
	resolv, err := podResolvConf(pod, env.DNSIP, env.Domain, env.HostResolv)
	if err != nil {
		return nil, err
	}
	host := hostname(pod)
	if pod.Spec.HostNetwork {
		host = env.NodeHostname
	}
	files := map[string]string{"hosts": hosts, "hostname": host + "\n", "resolv.conf": resolv.String()}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var mounts []runtime.Mount
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := writeAtomic(p, []byte(files[n]), 0o644); err != nil {
			return nil, err
		}
		mounts = append(mounts, runtime.Mount{Source: p, Destination: "/etc/" + n})
	}
	return mounts, nil
}

// rewriteHosts writes the pod's /etc/hosts for env into the file that is
// there (same inode), for tasks created before the pod had an IP: their
// bind mount holds that inode, which etcFiles' atomic rename would leave
// behind. Nothing runs in those containers yet, so nobody reads a
// half-written file.
func rewriteHosts(dataDir string, pod *api.Pod, env etcEnv) error {
	hosts, err := podHosts(pod, env.PodIP, env.Domain, env.HostHosts)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(podDir(dataDir, pod.UID), "etc", "hosts"), os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, werr := f.WriteString(hosts)
	return errors.Join(werr, f.Close())
}

// hostname is the pod's hostname: spec.hostname, else its name (cut to a
// DNS label).
func hostname(pod *api.Pod) string {
	h := pod.Spec.Hostname
	if h == "" {
		h = pod.Name
	}
	if len(h) > 63 {
		h = strings.TrimRight(h[:63], "-.")
	}
	return h
}

// presentItems drops, for an optional source, the items whose key data
// lacks, as kubelet skips them; a required source keeps them all (a
// missing key is then an error). When every item is dropped it returns
// no data either, so the volume is empty rather than every key.
func presentItems(items []api.KeyToPath, data map[string][]byte, optional bool) ([]api.KeyToPath, map[string][]byte) {
	if !optional || len(items) == 0 {
		return items, data
	}
	var out []api.KeyToPath
	for _, it := range items {
		if _, ok := data[it.Key]; ok {
			out = append(out, it)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, data
}
