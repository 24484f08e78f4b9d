package pods

import (
	"context"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/view"
)

// mapView is a View over a fixed set of objects keyed "Kind/ns/name".
type mapView map[string]api.Object

func viewOf(m map[string]api.Object) View { return mapView(m) }

func (v mapView) Get(kind, ns, name string) (api.Object, bool) {
	o, ok := v[kind+"/"+ns+"/"+name]
	return o, ok
}

func (v mapView) List(kind, ns string, _ map[string]string) []api.Object {
	var out []api.Object
	for _, o := range v {
		k := api.KeyOf(o)
		if k.Kind == kind && (ns == "" || k.Namespace == ns) {
			out = append(out, o)
		}
	}
	return out
}

func (v mapView) Watch(ctx context.Context, _ ...string) <-chan view.Event {
	ch := make(chan view.Event)
	go func() { <-ctx.Done(); close(ch) }()
	return ch
}

func (v mapView) Index() uint64 { return 0 }
