package apiserver

import (
	"errors"

	"github.com/shoal-dev/shoal/api"
)

// checkImmutable refuses an apply that changes the data of a stored
// ConfigMap or Secret marked immutable (api.ImmutableUpdateError).
func (s *Server) checkImmutable(objs []api.Object, at places) error {
	var errs []error
	for i, obj := range objs {
		key := api.KeyOf(obj)
		if key.Kind != "ConfigMap" && key.Kind != "Secret" {
			continue
		}
		cur, ok := s.cfg.View.Get(key.Kind, key.Namespace, key.Name)
		if !ok {
			continue
		}
		if err := api.ImmutableUpdateError(obj, cur); err != nil {
			// The error starts with the kind and name; wrap names them
			// with the object's place.
			if inner := errors.Unwrap(err); inner != nil {
				err = inner
			}
			errs = append(errs, at.wrap(i, obj, err))
		}
	}
	if len(errs) > 0 {
		return badRequest{errors.Join(errs...)}
	}
	return nil
}
