package api

import (
	"fmt"
	"maps"
	"sort"
	"strings"
)

// MetadataPatch changes an object's labels or annotations, as `label` and
// `annotate` do: a key set to a value is set, a key set to nil is removed.
type MetadataPatch struct {
	// Labels to set (non-nil value) or remove (nil).
	Labels map[string]*string `json:"labels,omitempty"`
	// Annotations to set (non-nil value) or remove (nil).
	Annotations map[string]*string `json:"annotations,omitempty"`
	// Overwrite allows changing a key that already has another value.
	Overwrite bool `json:"overwrite,omitempty"`
}

// Apply changes m as the patch says. It refuses to change an existing
// value without Overwrite, cluster annotations (shoal.dev/...), and labels
// that are not valid; m is unchanged on error.
func (p MetadataPatch) Apply(m *ObjectMeta) error {
	labels, err := patchMap("label", m.Labels, p.Labels, p.Overwrite)
	if err != nil {
		return err
	}
	if err := ValidateLabels(labels); err != nil {
		return err
	}
	for k := range p.Annotations {
		if IsClusterAnnotation(k) {
			return fmt.Errorf("annotation %q: the cluster sets it", k)
		}
		if k == "" {
			return fmt.Errorf("annotation key is empty")
		}
	}
	annotations, err := patchMap("annotation", m.Annotations, p.Annotations, p.Overwrite)
	if err != nil {
		return err
	}
	m.Labels, m.Annotations = labels, annotations
	return nil
}

func patchMap(what string, cur map[string]string, changes map[string]*string, overwrite bool) (map[string]string, error) {
	if len(changes) == 0 {
		return cur, nil
	}
	out := maps.Clone(cur)
	if out == nil {
		out = map[string]string{}
	}
	keys := make([]string, 0, len(changes))
	for k := range changes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var conflicts []string
	for _, k := range keys {
		v := changes[k]
		if v == nil {
			delete(out, k)
			continue
		}
		if old, ok := out[k]; ok && old != *v && !overwrite {
			conflicts = append(conflicts, fmt.Sprintf("%q is already %q", k, old))
			continue
		}
		out[k] = *v
	}
	if len(conflicts) > 0 {
		return nil, fmt.Errorf("%s %s: pass --overwrite to change it", what, strings.Join(conflicts, ", "))
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}
