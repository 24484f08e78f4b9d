package apiserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// patchMetadata serves POST /v1/{resource}/{name}/metadata: `label` and
// `annotate`. The body is an api.MetadataPatch; the object is rewritten
// with the changed labels or annotations (read, change, write, retried on
// a conflicting write), nothing else of it changes.
func (s *Server) patchMetadata(w http.ResponseWriter, r *http.Request) {
	k, ok := kindFromPath(w, r)
	if !ok {
		return
	}
	if _, computed := computedKinds[k.Name]; computed {
		writeError(w, http.StatusBadRequest, fmt.Errorf("%s are computed and cannot be labelled", k.Plural))
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var p api.MetadataPatch
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("metadata patch: %w", err))
		return
	}
	key := api.Key{Kind: k.Name, Namespace: namespaceOf(r, k), Name: r.PathValue("name")}
	obj, err := s.modify(r.Context(), key, consensus.ModeReplace, func(o api.Object) error {
		return p.Apply(o.GetObjectMeta())
	})
	if err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	action := "labeled"
	if len(p.Labels) == 0 {
		action = "annotated"
	}
	writeWritten(w, obj, action)
}
