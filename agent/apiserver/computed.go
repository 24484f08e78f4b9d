package apiserver

import (
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/netsvc/endpoints"
	"github.com/shoal-dev/shoal/view"
)

// computedKind is a kind the API computes from the replica on every read
// instead of storing it. It cannot be written (its api.Kind is not
// UserWritable) and is not watched.
type computedKind struct {
	// list returns the objects in namespace ("" for every namespace) whose
	// labels include every pair of selector (nil for all), sorted by
	// namespace and name.
	list func(v view.View, namespace string, selector map[string]string) []api.Object
	// get returns one object, or false if there is none.
	get func(v view.View, namespace, name string) (api.Object, bool)
}

// computedKinds are the computed kinds by name. The list and get handlers
// read through listObjects and getObject, which consult this table first.
var computedKinds = map[string]computedKind{
	"Endpoints": {list: listEndpoints, get: getEndpoints},
}

// listObjects lists stored or computed objects of kind.
func listObjects(v view.View, kind, namespace string, selector map[string]string) []api.Object {
	if c, ok := computedKinds[kind]; ok {
		return c.list(v, namespace, selector)
	}
	if kind == "Namespace" {
		return withDefaultNamespace(v.List(kind, namespace, selector), selector)
	}
	return withBuiltins(v, kind, namespace, selector, v.List(kind, namespace, selector))
}

// getObject returns a stored or computed object.
func getObject(v view.View, kind, namespace, name string) (api.Object, bool) {
	if c, ok := computedKinds[kind]; ok {
		return c.get(v, namespace, name)
	}
	if kind == "Namespace" {
		return getNamespace(v, name)
	}
	if o, ok := v.Get(kind, namespace, name); ok {
		return o, true
	}
	return getBuiltin(v, kind, namespace, name)
}

// listEndpoints computes the Endpoints of every service that matches: an
// Endpoints object carries its service's labels.
func listEndpoints(v view.View, namespace string, selector map[string]string) []api.Object {
	svcs := v.List("Service", namespace, selector)
	out := make([]api.Object, 0, len(svcs))
	for _, o := range svcs {
		out = append(out, endpointsOf(v, o.(*api.Service)))
	}
	return out
}

// getEndpoints computes the Endpoints of one service; there are none
// without the service.
func getEndpoints(v view.View, namespace, name string) (api.Object, bool) {
	o, ok := v.Get("Service", namespace, name)
	if !ok {
		return nil, false
	}
	return endpointsOf(v, o.(*api.Service)), true
}

func endpointsOf(v view.View, svc *api.Service) *api.Endpoints {
	var pods []*api.Pod
	if len(svc.Spec.Selector) > 0 {
		for _, o := range v.List("Pod", svc.Namespace, svc.Spec.Selector) {
			pods = append(pods, o.(*api.Pod))
		}
	}
	return endpoints.Compute(svc, pods)
}
