package apiserver

import (
	"cmp"
	"slices"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/view"
)

// Built-in objects (issue 12): the StorageClass local-path and a
// ServiceAccount "default" in every namespace exist without being applied,
// as in k3s and Kubernetes. Reads show them when none of that name is
// stored; a stored one takes its place. They are never written.

// builtins returns the built-in objects of kind in namespace ns ("" for
// every namespace).
func builtins(v view.View, kind, ns string) []api.Object {
	switch kind {
	case "StorageClass":
		return []api.Object{api.DefaultStorageClass()}
	case "ServiceAccount":
		if ns != "" {
			return []api.Object{api.DefaultServiceAccountIn(ns)}
		}
		var out []api.Object
		for _, o := range withDefaultNamespace(v.List("Namespace", "", nil), nil) {
			out = append(out, api.DefaultServiceAccountIn(o.GetObjectMeta().Name))
		}
		return out
	}
	return nil
}

// withBuiltins adds to a list of stored objects the built-ins it lacks
// that the selector (nil for none) does not exclude, keeping it sorted by
// namespace and name.
func withBuiltins(v view.View, kind, ns string, selector map[string]string, objs []api.Object) []api.Object {
	extra := builtins(v, kind, ns)
	if len(extra) == 0 || len(selector) > 0 { // built-ins have no labels
		return objs
	}
	have := make(map[api.Key]bool, len(objs))
	for _, o := range objs {
		have[api.KeyOf(o)] = true
	}
	added := false
	for _, o := range extra {
		if !have[api.KeyOf(o)] {
			objs = append(objs, o)
			added = true
		}
	}
	if added {
		slices.SortStableFunc(objs, func(a, b api.Object) int {
			am, bm := a.GetObjectMeta(), b.GetObjectMeta()
			return cmp.Or(cmp.Compare(am.Namespace, bm.Namespace), cmp.Compare(am.Name, bm.Name))
		})
	}
	return objs
}

// getBuiltin returns the built-in object of kind, namespace and name.
func getBuiltin(v view.View, kind, ns, name string) (api.Object, bool) {
	if kind == "ServiceAccount" && ns != "" && name == api.DefaultServiceAccount {
		if _, ok := getNamespace(v, ns); ok {
			return api.DefaultServiceAccountIn(ns), true
		}
		return nil, false
	}
	for _, o := range builtins(v, kind, ns) {
		if o.GetObjectMeta().Name == name {
			return o, true
		}
	}
	return nil, false
}
