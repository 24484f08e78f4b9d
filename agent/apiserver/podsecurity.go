package apiserver

import (
	"errors"

	"github.com/shoal-dev/shoal/api"
)

// podSpecOf returns the pod spec of a Pod, or the pod template of a
// workload, or nil for other kinds.
func podSpecOf(obj api.Object) *api.PodSpec {
	switch o := obj.(type) {
	case *api.Pod:
		return &o.Spec
	case *api.Deployment:
		return &o.Spec.Template.Spec
	case *api.StatefulSet:
		return &o.Spec.Template.Spec
	case *api.DaemonSet:
		return &o.Spec.Template.Spec
	case *api.ReplicaSet:
		return &o.Spec.Template.Spec
	case *api.Job:
		return &o.Spec.Template.Spec
	case *api.CronJob:
		return &o.Spec.JobTemplate.Spec.Template.Spec
	}
	return nil
}

// podSecurityLevel is the level pods of namespace ns must meet: the
// namespace's pod-security.kubernetes.io/enforce label, from the objects
// being written if they include the namespace, else from the store; else
// the agent's --pod-security.
func (s *Server) podSecurityLevel(ns string, objs []api.Object) api.PodSecurityLevel {
	labels := func(obj api.Object) (api.PodSecurityLevel, bool) {
		v, ok := obj.GetObjectMeta().Labels[api.PodSecurityEnforceLabel]
		if !ok {
			return "", false
		}
		l, err := api.ParsePodSecurityLevel(v)
		if err != nil { // validation refuses this; be strict if one got in
			return api.PodSecurityRestricted, true
		}
		return l, true
	}
	for _, obj := range objs {
		if n, ok := obj.(*api.Namespace); ok && n.Name == ns {
			if l, ok := labels(n); ok {
				return l
			}
			return s.cfg.Settings.PodSecurity()
		}
	}
	if n, ok := s.cfg.View.Get("Namespace", "", ns); ok {
		if l, ok := labels(n); ok {
			return l
		}
	}
	return s.cfg.Settings.PodSecurity()
}

// checkPodSecurity refuses Pods and workloads among objs whose pods break
// the Pod Security level of their namespace, naming each violated field.
// Kubernetes only warns on workloads and refuses their pods later; Shoal
// refuses the workload, so the error reaches the user at apply time.
func (s *Server) checkPodSecurity(objs []api.Object, at places) error {
	var errs []error
	for i, obj := range objs {
		spec := podSpecOf(obj)
		if spec == nil {
			continue
		}
		key := api.KeyOf(obj)
		level := s.podSecurityLevel(key.Namespace, objs)
		if v := api.PodSecurityViolations(level, spec); len(v) > 0 {
			errs = append(errs, at.wrap(i, obj, api.PodSecurityError(level, key.Namespace, v)))
		}
	}
	if len(errs) > 0 {
		return forbidden{errors.Join(errs...)}
	}
	return nil
}

// forbidden is a write refused by policy (HTTP 403), as Kubernetes answers
// a pod that breaks Pod Security.
type forbidden struct{ err error }

func (f forbidden) Error() string { return f.err.Error() }
func (f forbidden) Unwrap() error { return f.err }
