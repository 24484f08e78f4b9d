package apiserver

import (
	"errors"
	"fmt"

	"github.com/shoal-dev/shoal/api"
)

// checkPodUpdates checks the Pods among objs that already exist, as
// Kubernetes validates a pod update: a pod a controller owns is changed
// through its controller, a Terminating pod not at all, and a bare pod
// only in what api.PodMutableFields names. An input that leaves
// spec.nodeName out keeps the stored binding (api.PreparePodUpdate), so
// applying the same manifest again changes nothing; an update of a pod
// not yet bound is guarded by its resourceVersion, so a binding that
// commits first makes it fail (409) rather than be undone.
func (s *Server) checkPodUpdates(objs []api.Object, at places) error {
	var errs []error
	for i, obj := range objs {
		in, ok := obj.(*api.Pod)
		if !ok {
			continue
		}
		cur, ok := s.cfg.View.Get("Pod", in.Namespace, in.Name)
		if !ok {
			continue
		}
		stored := cur.(*api.Pod)
		if ref := podController(stored); ref != nil {
			errs = append(errs, at.wrap(i, obj, fmt.Errorf("managed by %s %q: change the %s instead", ref.Kind, ref.Name, ref.Kind)))
			continue
		}
		if stored.DeletionTimestamp != nil {
			errs = append(errs, at.wrap(i, obj, errors.New("terminating: apply it again once it is gone")))
			continue
		}
		if stored.Spec.NodeName == "" && in.Spec.NodeName == "" && in.ResourceVersion == "" {
			// The scheduler may bind it before this write commits; the
			// write must then fail, not unbind it.
			in.ResourceVersion = stored.ResourceVersion
		}
		api.PreparePodUpdate(in, stored)
		if err := api.PodUpdateError(in, stored); err != nil {
			errs = append(errs, at.wrap(i, obj, err))
		}
	}
	if len(errs) > 0 {
		return badRequest{errors.Join(errs...)}
	}
	return nil
}

// podController returns the owner reference of p marked controller, or nil
// for a bare pod.
func podController(p *api.Pod) *api.OwnerReference {
	for i := range p.OwnerReferences {
		if c := p.OwnerReferences[i].Controller; c != nil && *c {
			return &p.OwnerReferences[i]
		}
	}
	return nil
}
