package apiserver

import (
	"fmt"

	"github.com/shoal-dev/shoal/api"
)

// writableProblems returns, for each object of a manifest, why a user may not
// write it, or nil: its kind is managed by the cluster, or its namespace does
// not exist and is not created in the same manifest. api.DecodeChecked
// reports these with the decode errors, naming each object's document.
func (s *Server) writableProblems(objs []api.Object) []error {
	creating := map[string]bool{}
	for _, obj := range objs {
		if obj.GetTypeMeta().Kind == "Namespace" {
			creating[obj.GetObjectMeta().Name] = true
		}
	}
	out := make([]error, len(objs))
	for i, obj := range objs {
		k, err := api.KindOf(obj)
		if err != nil {
			out[i] = err
			continue
		}
		if !k.UserWritable {
			out[i] = fmt.Errorf("%s objects are managed by the cluster and cannot be applied", k.Name)
			continue
		}
		if ns := api.KeyOf(obj).Namespace; k.Namespaced && ns != "default" && !creating[ns] {
			if _, ok := s.cfg.View.Get("Namespace", "", ns); !ok {
				out[i] = fmt.Errorf("namespace %q does not exist (apply a Namespace first, or in the same file)", ns)
			}
		}
	}
	return out
}
