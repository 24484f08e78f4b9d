package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/shoal-dev/shoal/agent/propose"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// apply takes a manifest (YAML or JSON, one or more objects) and applies
// all of it in one Raft command, or nothing.
func (s *Server) apply(w http.ResponseWriter, r *http.Request) {
	objs, at, ok := readManifest(w, r, s.writableProblems)
	if !ok {
		return
	}
	report, err := s.applyObjects(r.Context(), objs, at)
	if err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": report})
}

// applyObjects checks objs against the store and commits the changed ones
// in one command: all of them or, if any is refused, none. Errors name
// each object's place in at (nil for a write of one object).
func (s *Server) applyObjects(ctx context.Context, objs []api.Object, at places) ([]api.AppliedObject, error) {
	if err := s.checkWritable(objs, at); err != nil {
		return nil, err
	}
	if err := s.admitPriority(objs, at); err != nil {
		return nil, err
	}
	if err := s.checkReplicas(objs, at); err != nil {
		return nil, err
	}
	if err := s.checkPodUpdates(objs, at); err != nil {
		return nil, err
	}
	if err := s.checkImmutable(objs, at); err != nil {
		return nil, err
	}
	if err := s.checkPodSecurity(objs, at); err != nil {
		return nil, err
	}
	if err := s.checkServiceAccounts(objs, at); err != nil {
		return nil, err
	}
	if err := s.checkClaimUpdates(objs, at); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		in := copyServices(objs)
		guarded, err := s.admitServices(ctx, in, at)
		if err != nil {
			return nil, err
		}
		report, err := s.commitApply(ctx, in)
		if guarded && attempt < applyRetries && errors.Is(err, consensus.ErrConflict) {
			continue
		}
		return report, err
	}
}

// commitApply commits the objects of an apply that differ from the store.
func (s *Server) commitApply(ctx context.Context, objs []api.Object) ([]api.AppliedObject, error) {
	var changed []api.Object
	report := make([]api.AppliedObject, 0, len(objs))
	for _, obj := range objs {
		key := api.KeyOf(obj)
		ao := api.AppliedObject{Kind: key.Kind, Namespace: key.Namespace, Name: key.Name, Action: "created"}
		if cur, ok := s.cfg.View.Get(key.Kind, key.Namespace, key.Name); ok {
			keepClusterAnnotations(obj.GetObjectMeta(), cur.GetObjectMeta())
			ao.Action = "configured"
			if api.SpecEqual(cur, obj) && sameUserMeta(cur.GetObjectMeta(), obj.GetObjectMeta()) {
				ao.Action, ao.ResourceVersion = "unchanged", cur.GetObjectMeta().ResourceVersion
			}
		}
		if ao.Action != "unchanged" {
			changed = append(changed, obj)
		}
		report = append(report, ao)
	}
	if len(changed) == 0 {
		return report, nil
	}
	written, err := s.cfg.Proposer.Propose(ctx, consensus.Put{Objects: changed, Mode: consensus.ModeApply, Time: time.Now()})
	if err != nil {
		return nil, err
	}
	versions := map[api.Key]string{}
	for _, w := range written {
		versions[w.Key] = w.ResourceVersion
	}
	for i := range report {
		if rv, ok := versions[api.Key{Kind: report[i].Kind, Namespace: report[i].Namespace, Name: report[i].Name}]; ok {
			report[i].ResourceVersion = rv
		}
	}
	return report, nil
}

// checkWritable refuses kinds users may not write and objects in
// namespaces that do not exist (and are not created in the same request).
func (s *Server) checkWritable(objs []api.Object, at places) error {
	var errs []error
	for i, err := range s.writableProblems(objs) {
		if err != nil {
			errs = append(errs, at.wrap(i, objs[i], err))
		}
	}
	if len(errs) > 0 {
		return badRequest{errors.Join(errs...)}
	}
	return nil
}

// sameUserMeta compares the metadata users set.
func sameUserMeta(a, b *api.ObjectMeta) bool {
	return api.SameJSON(a.Labels, b.Labels) && api.SameJSON(a.Annotations, b.Annotations) && api.SameJSON(a.OwnerReferences, b.OwnerReferences)
}

// badRequest marks an error caused by the request (HTTP 400).
type badRequest struct{ err error }

func (b badRequest) Error() string { return b.err.Error() }
func (b badRequest) Unwrap() error { return b.err }

// statusOf maps an error to an HTTP status.
func statusOf(err error) int {
	switch {
	case errors.Is(err, propose.ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.As(err, new(badRequest)), errors.Is(err, consensus.ErrInvalid):
		return http.StatusBadRequest
	case errors.As(err, new(forbidden)):
		return http.StatusForbidden
	case errors.Is(err, consensus.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, consensus.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, propose.ErrNoLeader), errors.Is(err, ErrNotSettled):
		return http.StatusServiceUnavailable
	case errors.Is(err, consensus.ErrOutcomeUnknown):
		return http.StatusGatewayTimeout
	default:
		return http.StatusInternalServerError
	}
}

// kindFromPath resolves the {resource} path segment.
func kindFromPath(w http.ResponseWriter, r *http.Request) (*api.Kind, bool) {
	res := r.PathValue("resource")
	k, ok := api.LookupKind(res)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Errorf("unknown resource %q", res))
		return nil, false
	}
	return k, true
}

// namespaceOf returns the namespace a request names for kind k: the
// namespace query parameter, "default" if absent, "" for cluster-scoped
// kinds.
func namespaceOf(r *http.Request, k *api.Kind) string {
	if !k.Namespaced {
		return ""
	}
	if ns := r.URL.Query().Get("namespace"); ns != "" {
		return ns
	}
	return "default"
}

// list serves GET /v1/{resource}?namespace=NS&selector=S; without
// namespace it lists all namespaces.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	k, ok := kindFromPath(w, r)
	if !ok {
		return
	}
	var sel map[string]string
	var filter func(map[string]string) bool
	if q := r.URL.Query().Get("selector"); q != "" {
		ls, err := api.ParseSelector(q)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("selector: %w", err))
			return
		}
		if len(ls.MatchExpressions) == 0 {
			sel = ls.MatchLabels
		} else {
			filter = ls.Matches
		}
	}
	ns := ""
	if k.Namespaced {
		ns = r.URL.Query().Get("namespace")
	}
	items := []api.Object{}
	for _, obj := range listObjects(s.cfg.View, k.Name, ns, sel) {
		if filter == nil || filter(obj.GetObjectMeta().Labels) {
			items = append(items, s.decorate(obj))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	k, ok := kindFromPath(w, r)
	if !ok {
		return
	}
	ns, name := namespaceOf(r, k), r.PathValue("name")
	obj, ok := getObject(s.cfg.View, k.Name, ns, name)
	if !ok {
		writeError(w, http.StatusNotFound, notFound(k, ns, name))
		return
	}
	writeJSON(w, http.StatusOK, s.decorate(obj))
}

func notFound(k *api.Kind, ns, name string) error {
	if ns == "" {
		return fmt.Errorf("%s %q not found", k.Name, name)
	}
	return fmt.Errorf("%s %q not found in namespace %q", k.Name, name, ns)
}

// put serves PUT /v1/{resource}/{name}: create or update one object given
// as JSON.
func (s *Server) put(w http.ResponseWriter, r *http.Request) {
	k, ok := kindFromPath(w, r)
	if !ok {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	obj, err := api.DecodeObject(body, api.DecodeOptions{Kind: k.Name})
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	key := api.KeyOf(obj)
	if key.Name != r.PathValue("name") || k.Namespaced && key.Namespace != namespaceOf(r, k) {
		writeError(w, http.StatusBadRequest, fmt.Errorf("object %s does not match the request path", key))
		return
	}
	report, err := s.applyObjects(r.Context(), []api.Object{obj}, nil)
	if err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": report})
}

func (s *Server) deleteOne(w http.ResponseWriter, r *http.Request) {
	k, ok := kindFromPath(w, r)
	if !ok {
		return
	}
	ns, name := namespaceOf(r, k), r.PathValue("name")
	if !k.UserWritable && k.Name != "Pod" { // pods are deleted as in kubectl
		writeError(w, http.StatusBadRequest, fmt.Errorf("%s objects are managed by the cluster and cannot be deleted", k.Name))
		return
	}
	grace, err := gracePeriodOf(r)
	if err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	if _, ok := s.cfg.View.Get(k.Name, ns, name); !ok {
		writeError(w, http.StatusNotFound, notFound(k, ns, name))
		return
	}
	keys := s.withNamespaceContents([]api.Key{{Kind: k.Name, Namespace: ns, Name: name}})
	if err := s.deleteKeys(r.Context(), keys, grace, time.Now()); err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": []api.AppliedObject{{Kind: k.Name, Namespace: ns, Name: name, Action: "deleted"}}})
}

// deleteManifest deletes the objects a manifest names; objects already
// gone are reported, not errors.
func (s *Server) deleteManifest(w http.ResponseWriter, r *http.Request) {
	objs, at, ok := readManifest(w, r, s.writableProblems)
	if !ok {
		return
	}
	if err := s.checkWritable(objs, at); err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	var keys []api.Key
	report := make([]api.AppliedObject, 0, len(objs))
	for _, obj := range objs {
		key := api.KeyOf(obj)
		ao := api.AppliedObject{Kind: key.Kind, Namespace: key.Namespace, Name: key.Name, Action: "deleted"}
		if _, ok := s.cfg.View.Get(key.Kind, key.Namespace, key.Name); ok {
			keys = append(keys, key)
		} else {
			ao.Action = "not found"
		}
		report = append(report, ao)
	}
	grace, err := gracePeriodOf(r)
	if err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	if len(keys) > 0 {
		if err := s.deleteKeys(r.Context(), s.withNamespaceContents(keys), grace, time.Now()); err != nil {
			writeError(w, statusOf(err), err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": report})
}

// watch streams newline-delimited JSON events: first ADDED for every
// current object, then changes. The stream ends if the client falls too
// far behind or the replica is restored from a snapshot; clients re-watch.
func (s *Server) watch(w http.ResponseWriter, r *http.Request) {
	var kinds []string
	for _, name := range r.URL.Query()["kind"] {
		k, ok := api.LookupKind(name)
		if !ok {
			writeError(w, http.StatusBadRequest, fmt.Errorf("unknown kind %q", name))
			return
		}
		if _, computed := computedKinds[k.Name]; computed {
			writeError(w, http.StatusBadRequest, fmt.Errorf("%s are computed on every read and cannot be watched; watch what they are computed from (services and pods)", k.Plural))
			return
		}
		kinds = append(kinds, k.Name)
	}
	ns := r.URL.Query().Get("namespace")
	ctx := r.Context()
	events := s.cfg.View.Watch(ctx, kinds...)
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	// The client learns at once that its watch was admitted (not 429).
	if flusher != nil {
		flusher.Flush()
	}
	enc := json.NewEncoder(w)
	send := func(typ string, obj api.Object) bool {
		if ns != "" && obj.GetObjectMeta().Namespace != ns {
			return true
		}
		if err := enc.Encode(api.WatchEvent{Type: typ, Object: obj}); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}
	listKinds := kinds
	if len(listKinds) == 0 {
		for _, k := range api.Kinds() {
			listKinds = append(listKinds, k.Name)
		}
	}
	for _, kind := range listKinds {
		for _, obj := range s.cfg.View.List(kind, ns, nil) {
			if !send("ADDED", obj) {
				return
			}
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			if !send(string(ev.Type), ev.Object) {
				return
			}
		}
	}
}

// withNamespaceContents adds, for every Namespace among keys, every object
// in that namespace: deleting a namespace deletes what is in it, as in
// Kubernetes.
func (s *Server) withNamespaceContents(keys []api.Key) []api.Key {
	seen := map[api.Key]bool{}
	for _, k := range keys {
		seen[k] = true
	}
	out := keys
	for _, k := range keys {
		if k.Kind != "Namespace" {
			continue
		}
		for _, kind := range api.Kinds() {
			if !kind.Namespaced {
				continue
			}
			for _, obj := range s.cfg.View.List(kind.Name, k.Name, nil) {
				if key := api.KeyOf(obj); !seen[key] {
					seen[key] = true
					out = append(out, key)
				}
			}
		}
	}
	return out
}

// readManifest reads and decodes a manifest body, answering 400 with every
// problem if it does not decode or check refuses an object (all problems in
// one answer, each naming its document).
func readManifest(w http.ResponseWriter, r *http.Request, check func([]api.Object) []error) ([]api.Object, places, bool) {
	body, ok := readBody(w, r)
	if !ok {
		return nil, nil, false
	}
	objs, at, err := decodeManifest(body, r.URL.Query().Get("namespace"), check)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return nil, nil, false
	}
	return objs, at, true
}

// keepClusterAnnotations keeps the annotations the cluster set on a user
// object (api.IsClusterAnnotation, e.g. where a StatefulSet's volumes
// live) unless the input sets them.
func keepClusterAnnotations(dst, cur *api.ObjectMeta) {
	for k, v := range cur.Annotations {
		if !api.IsClusterAnnotation(k) {
			continue
		}
		if _, set := dst.Annotations[k]; set {
			continue
		}
		if dst.Annotations == nil {
			dst.Annotations = map[string]string{}
		}
		dst.Annotations[k] = v
	}
}
