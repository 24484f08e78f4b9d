package apiserver

import (
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/view"
)

// The default namespace always exists, as in Kubernetes: objects may be
// applied to it without a Namespace object. Reads show it (`get ns`) even
// when no Namespace object for it is stored; a stored one takes its place.

// defaultNamespace is the namespace reads show for "default" when none is
// stored.
func defaultNamespace() *api.Namespace {
	return &api.Namespace{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: api.ObjectMeta{Name: api.DefaultNamespace},
		Status:     api.NamespaceStatus{Phase: api.NamespaceActive},
	}
}

// withDefaultNamespace adds the default namespace to a list of namespaces
// that lacks it, if the selector (nil for none) does not exclude it, keeping
// the list sorted by name.
func withDefaultNamespace(objs []api.Object, selector map[string]string) []api.Object {
	if len(selector) > 0 {
		return objs
	}
	for i, o := range objs {
		switch name := o.GetObjectMeta().Name; {
		case name == api.DefaultNamespace:
			return objs
		case name > api.DefaultNamespace:
			out := append(append(append([]api.Object(nil), objs[:i]...), defaultNamespace()), objs[i:]...)
			return out
		}
	}
	return append(objs, defaultNamespace())
}

// getNamespace returns the stored namespace, or the default one.
func getNamespace(v view.View, name string) (api.Object, bool) {
	if o, ok := v.Get("Namespace", "", name); ok {
		return o, true
	}
	if name == api.DefaultNamespace {
		return defaultNamespace(), true
	}
	return nil, false
}
