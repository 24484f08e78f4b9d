package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// conflictRetries bounds read-modify-write retries on resourceVersion
// conflicts.
const conflictRetries = 5

// modify reads an object from the local replica, lets change edit a copy,
// and writes it back with its resourceVersion as precondition, retrying on
// conflicts. ModeReplace keeps what change did to status and metadata. It
// returns the key and the resourceVersion written.
func (s *Server) modify(ctx context.Context, key api.Key, mode consensus.PutMode, change func(api.Object) error) (api.Written, error) {
	for attempt := 0; ; attempt++ {
		cur, ok := s.cfg.View.Get(key.Kind, key.Namespace, key.Name)
		if !ok {
			k, _ := api.LookupKind(key.Kind)
			return api.Written{}, fmt.Errorf("%w: %w", consensus.ErrNotFound, notFound(k, key.Namespace, key.Name))
		}
		obj := api.DeepCopy(cur)
		if err := change(obj); err != nil {
			return api.Written{}, badRequest{err}
		}
		written, err := s.cfg.Proposer.Propose(ctx, consensus.Put{Objects: []api.Object{obj}, Mode: mode, Time: time.Now()})
		if errors.Is(err, consensus.ErrConflict) && attempt < conflictRetries {
			// The replica may lag the leader: wait for the write that beat us.
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if err != nil {
			return api.Written{}, err
		}
		if len(written) != 1 {
			return api.Written{}, fmt.Errorf("write %s: got %d objects back, want 1", key, len(written))
		}
		return written[0], nil
	}
}

// cordon serves POST /v1/nodes/{name}/cordon and /uncordon.
func (s *Server) cordon(unschedulable bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := api.Key{Kind: "Node", Name: r.PathValue("name")}
		obj, err := s.modify(r.Context(), key, consensus.ModeReplace, func(o api.Object) error {
			o.(*api.Node).Spec.Unschedulable = unschedulable
			return nil
		})
		if err != nil {
			writeError(w, statusOf(err), err)
			return
		}
		action := "cordoned"
		if !unschedulable {
			action = "uncordoned"
		}
		writeWritten(w, obj, action)
	}
}

// scale serves POST /v1/{resource}/{name}/scale?replicas=N for
// Deployments and StatefulSets.
func (s *Server) scale(w http.ResponseWriter, r *http.Request) {
	k, ok := kindFromPath(w, r)
	if !ok {
		return
	}
	n, err := strconv.ParseInt(r.URL.Query().Get("replicas"), 10, 32)
	if err != nil || n < 0 || n > api.MaxReplicas {
		writeError(w, http.StatusBadRequest, fmt.Errorf("replicas %q: want a whole number from 0 to %d", r.URL.Query().Get("replicas"), api.MaxReplicas))
		return
	}
	replicas := int32(n)
	key := api.Key{Kind: k.Name, Namespace: namespaceOf(r, k), Name: r.PathValue("name")}
	obj, err := s.modify(r.Context(), key, consensus.ModeApply, func(o api.Object) error {
		switch o := o.(type) {
		case *api.Deployment:
			o.Spec.Replicas = &replicas
		case *api.StatefulSet:
			o.Spec.Replicas = &replicas
		default:
			return fmt.Errorf("%s objects cannot be scaled (deployments and statefulsets can)", k.Name)
		}
		return s.checkReplicas([]api.Object{o}, nil)
	})
	if err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	writeWritten(w, obj, "scaled")
}

// writeWritten answers a write of one object: its key, what was done and
// the resourceVersion written, not the object.
func writeWritten(w http.ResponseWriter, obj api.Written, action string) {
	writeJSON(w, http.StatusOK, map[string]any{"items": []api.AppliedObject{appliedOf(obj, action)}})
}

// appliedOf reports a written object.
func appliedOf(obj api.Written, action string) api.AppliedObject {
	return api.AppliedObject{Kind: obj.Kind, Namespace: obj.Namespace, Name: obj.Name, Action: action, ResourceVersion: obj.ResourceVersion}
}
