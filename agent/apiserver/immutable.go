package apiserver

import (
	"errors"

	"github.com/shoal-dev/shoal/api"
)

// checkImmutable refuses an apply that changes the data of a stored
// ConfigMap or Secret marked immutable (api.ImmutableUpdateError).
func (s *Server) checkImmutable(objs []api.Object) error {
	var errs []error
	for _, obj := range objs {
		key := api.KeyOf(obj)
		if key.Kind != "ConfigMap" && key.Kind != "Secret" {
			continue
		}
		cur, ok := s.cfg.View.Get(key.Kind, key.Namespace, key.Name)
		if !ok {
			continue
		}
		if err := api.ImmutableUpdateError(obj, cur); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return badRequest{errors.Join(errs...)}
	}
	return nil
}
