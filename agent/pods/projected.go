package pods

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/shoal-dev/shoal/api"
)

// projectVolume writes a projected or downwardAPI volume's files into dir:
// every source's files with their modes (the volume's defaultMode, else
// 0644), removing files no source writes any more. It is called on every
// sync, so ConfigMap, Secret, label and annotation changes reach running
// pods.
func projectVolume(view View, pod *api.Pod, v *api.Volume, dir string) error {
	data := map[string][]byte{}
	var items []api.KeyToPath
	add := func(path string, content []byte, mode *int32) {
		path = filepath.Clean(path)
		data[path] = content
		items = append(items, api.KeyToPath{Key: path, Path: path, Mode: mode})
	}
	var defMode *int32
	switch {
	case v.Projected != nil:
		defMode = v.Projected.DefaultMode
		for i, s := range v.Projected.Sources {
			var err error
			switch {
			case s.ConfigMap != nil:
				err = projectKeys(view, pod.Namespace, "ConfigMap", s.ConfigMap.Name, s.ConfigMap.Items, s.ConfigMap.Optional, add)
			case s.Secret != nil:
				err = projectKeys(view, pod.Namespace, "Secret", s.Secret.Name, s.Secret.Items, s.Secret.Optional, add)
			case s.DownwardAPI != nil:
				err = projectDownwardAPI(pod, s.DownwardAPI.Items, add)
			default: // validation refuses the others
				err = configErrorf("projected source %d: no configMap, secret or downwardAPI", i)
			}
			if err != nil {
				return err
			}
		}
	case v.DownwardAPI != nil:
		defMode = v.DownwardAPI.DefaultMode
		if err := projectDownwardAPI(pod, v.DownwardAPI.Items, add); err != nil {
			return err
		}
	}
	if len(items) == 0 {
		// project writes every key when given no items: with no files
		// at all, that is an empty directory.
		return project(dir, nil, nil, defMode, 0o644, "volume "+v.Name)
	}
	return project(dir, data, items, defMode, 0o644, "volume "+v.Name)
}

// projectKeys adds the keys of the ConfigMap or Secret name (kind) as
// files: the items, or every key named after itself. A missing object or
// key is an error unless optional, as kubelet.
func projectKeys(view View, ns, kind, name string, items []api.KeyToPath, optionalPtr *bool, add func(string, []byte, *int32)) error {
	optional := api.IsOptional(optionalPtr)
	data := map[string][]byte{}
	o, ok := view.Get(kind, ns, name)
	switch {
	case !ok && !optional:
		return configErrorf("%s %q not found", strings.ToLower(kind), name)
	case !ok:
	case kind == "ConfigMap":
		cm := o.(*api.ConfigMap)
		for k, v := range cm.Data {
			data[k] = []byte(v)
		}
		for k, v := range cm.BinaryData {
			data[k] = v
		}
	default:
		s := o.(*api.Secret)
		for k, v := range s.StringData {
			data[k] = []byte(v)
		}
		for k, v := range s.Data {
			data[k] = v
		}
	}
	if len(items) == 0 {
		for k, v := range data {
			add(k, v, nil)
		}
		return nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		switch {
		case ok:
			add(it.Path, v, it.Mode)
		case !optional:
			return configErrorf("key %q not found in %s %s", it.Key, strings.ToLower(kind), name)
		}
	}
	return nil
}

// projectDownwardAPI adds the downward API files of items.
func projectDownwardAPI(pod *api.Pod, items []api.DownwardAPIVolumeFile, add func(string, []byte, *int32)) error {
	for _, it := range items {
		if it.FieldRef == nil {
			return configErrorf("downwardAPI file %q: no fieldRef", it.Path)
		}
		v, err := downwardValue(pod, it.FieldRef.FieldPath)
		if err != nil {
			return err
		}
		add(it.Path, []byte(v), it.Mode)
	}
	return nil
}

// downwardValue is a downward API file's content: one field, or all
// labels or annotations as sorted key="value" lines, as kubelet writes
// them.
func downwardValue(pod *api.Pod, path string) (string, error) {
	switch path {
	case "metadata.labels":
		return formatMap(pod.Labels), nil
	case "metadata.annotations":
		return formatMap(pod.Annotations), nil
	case "metadata.name", "metadata.namespace", "metadata.uid":
		return fieldValue(pod, path, "", "")
	}
	if strings.HasPrefix(path, "metadata.labels['") || strings.HasPrefix(path, "metadata.annotations['") {
		return fieldValue(pod, path, "", "")
	}
	return "", configErrorf("downwardAPI fieldRef %q is not supported in volumes", path)
}

// formatMap renders m as key="value" lines sorted by key, without a final
// newline (kubelet's fieldpath.FormatMap).
func formatMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = fmt.Sprintf("%s=%q", k, m[k])
	}
	return strings.Join(lines, "\n")
}
