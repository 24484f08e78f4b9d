package apiserver

import (
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

// decodeManifest is api.DecodePlaced: the objects of a manifest and where
// each came from.
func decodeManifest(body []byte, namespace string, check func([]api.Object) []error) ([]api.Object, places, error) {
	objs, at, err := api.DecodePlaced(body, namespace, check)
	return objs, places(at), err
}
