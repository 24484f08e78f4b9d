package view

import "github.com/shoal-dev/shoal/api"

// All lists every object of kind in every namespace as T (the kind's Go
// type, e.g. *api.Pod); objects of another type are skipped.
func All[T api.Object](v View, kind string) []T {
	objs := v.List(kind, "", nil)
	out := make([]T, 0, len(objs))
	for _, o := range objs {
		if t, ok := o.(T); ok {
			out = append(out, t)
		}
	}
	return out
}
