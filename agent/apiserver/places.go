package apiserver

import (
	"errors"
	"fmt"

	"github.com/shoal-dev/shoal/api"
)

// places says where each object of a write came from, so that every
// error about it is numbered as the decoder numbers them: "document N"
// (1-based among the manifest's non-empty documents), ", item M" in a
// List, then the kind and name. A nil places is a write that names one
// object (PUT, scale): its errors start with the kind and name.
type places []api.DocumentError

// wrap names where objs[i] came from in err.
func (p places) wrap(i int, obj api.Object, err error) error {
	if i < len(p) {
		de := p[i]
		de.Err = err
		return &de
	}
	key := api.KeyOf(obj)
	return fmt.Errorf("%s %q: %w", key.Kind, key.Name, err)
}

// placeMarker is what decodeManifest's check returns for an object with
// no problem, to learn where the decoder found it.
type placeMarker int

func (placeMarker) Error() string { return "object located" }

// decodeManifest is api.DecodeCheckedIn that also returns where each
// object came from. The decoder reports check's errors as
// *api.DocumentErrors naming each object's document; an object without a
// problem gets a marker error, read back here for its place and dropped.
func decodeManifest(body []byte, namespace string, check func([]api.Object) []error) ([]api.Object, places, error) {
	var objs []api.Object
	_, err := api.DecodeCheckedIn(body, namespace, func(in []api.Object) []error {
		objs = in
		var problems []error
		if check != nil {
			problems = check(in)
		}
		out := make([]error, len(in))
		for i := range in {
			if i < len(problems) && problems[i] != nil {
				out[i] = problems[i]
			} else {
				out[i] = placeMarker(i)
			}
		}
		return out
	})
	if err == nil {
		// The check always reports, so only a manifest without objects
		// gets here; DecodeChecked says so itself.
		return nil, nil, errors.New("decode: no objects")
	}
	var joined interface{ Unwrap() []error }
	all := []error{err}
	if errors.As(err, &joined) {
		all = joined.Unwrap()
	}
	at := make(places, len(objs))
	var errs []error
	for _, e := range all {
		var de *api.DocumentError
		if errors.As(e, &de) {
			if m, ok := de.Err.(placeMarker); ok && int(m) < len(at) {
				at[m] = *de
				at[m].Err = nil
				continue
			}
		}
		errs = append(errs, e)
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	return objs, at, nil
}
