package apiserver

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// rolloutRestart serves POST /v1/{resource}/{name}/rollout/restart: it
// stamps the pod template so that every pod is replaced by a rollout.
func (s *Server) rolloutRestart(w http.ResponseWriter, r *http.Request) {
	k, ok := kindFromPath(w, r)
	if !ok {
		return
	}
	now := time.Now().UTC().Format(time.RFC3339)
	key := api.Key{Kind: k.Name, Namespace: namespaceOf(r, k), Name: r.PathValue("name")}
	obj, err := s.modify(r.Context(), key, consensus.ModeApply, func(o api.Object) error {
		t, err := podTemplate(o)
		if err != nil {
			return err
		}
		if t.Annotations == nil {
			t.Annotations = map[string]string{}
		}
		t.Annotations[api.AnnotationRestartedAt] = now
		return nil
	})
	if err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	writeWritten(w, obj, "restarted")
}

// rolloutUndo serves POST /v1/deployments/{name}/rollout/undo[?toRevision=N]:
// the Deployment's template goes back to that of an earlier revision (by
// default the one before the current).
func (s *Server) rolloutUndo(w http.ResponseWriter, r *http.Request) {
	k, ok := kindFromPath(w, r)
	if !ok {
		return
	}
	if k.Name != "Deployment" {
		writeError(w, http.StatusBadRequest, fmt.Errorf("rollout undo works on deployments, not %s", k.Plural))
		return
	}
	var to int64
	if q := r.URL.Query().Get("toRevision"); q != "" {
		n, err := strconv.ParseInt(q, 10, 64)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, fmt.Errorf("toRevision %q: want a revision number ≥ 1", q))
			return
		}
		to = n
	}
	key := api.Key{Kind: k.Name, Namespace: namespaceOf(r, k), Name: r.PathValue("name")}
	obj, err := s.modify(r.Context(), key, consensus.ModeApply, func(o api.Object) error {
		d := o.(*api.Deployment)
		tmpl, err := s.revisionTemplate(d, to)
		if err != nil {
			return err
		}
		d.Spec.Template = tmpl
		return nil
	})
	if err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	writeWritten(w, obj, "rolled back")
}

// revisionTemplate finds the pod template of revision `to` of d among its
// ReplicaSets (0: the newest revision before the current one).
func (s *Server) revisionTemplate(d *api.Deployment, to int64) (api.PodTemplateSpec, error) {
	type rev struct {
		n  int64
		rs *api.ReplicaSet
	}
	var revs []rev
	for _, o := range s.cfg.View.List("ReplicaSet", d.Namespace, nil) {
		rs := o.(*api.ReplicaSet)
		if !ownedBy(rs.OwnerReferences, d.UID) {
			continue
		}
		n, err := strconv.ParseInt(rs.Annotations[api.AnnotationRevision], 10, 64)
		if err == nil {
			revs = append(revs, rev{n, rs})
		}
	}
	sort.Slice(revs, func(i, j int) bool { return revs[i].n > revs[j].n })
	var pick *api.ReplicaSet
	switch {
	case to > 0:
		for _, r := range revs {
			if r.n == to {
				pick = r.rs
			}
		}
		if pick == nil {
			return api.PodTemplateSpec{}, fmt.Errorf("deployment %q has no revision %d", d.Name, to)
		}
	case len(revs) < 2:
		return api.PodTemplateSpec{}, fmt.Errorf("deployment %q has no earlier revision to go back to", d.Name)
	default:
		pick = revs[1].rs
	}
	t := api.DeepCopy(&api.ReplicaSet{TypeMeta: pick.TypeMeta, Spec: api.ReplicaSetSpec{Template: pick.Spec.Template}}).Spec.Template
	delete(t.Labels, api.LabelPodTemplateHash)
	return t, nil
}

func ownedBy(refs []api.OwnerReference, uid string) bool {
	for _, r := range refs {
		if r.UID == uid {
			return true
		}
	}
	return false
}

// podTemplate returns the pod template of a workload.
func podTemplate(o api.Object) (*api.PodTemplateSpec, error) {
	switch o := o.(type) {
	case *api.Deployment:
		return &o.Spec.Template, nil
	case *api.StatefulSet:
		return &o.Spec.Template, nil
	case *api.DaemonSet:
		return &o.Spec.Template, nil
	}
	return nil, fmt.Errorf("%s objects have no pod template to restart", o.GetTypeMeta().Kind)
}
