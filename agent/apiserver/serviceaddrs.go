package apiserver

import (
	"context"
	"errors"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/placement/svcaddr"
)

// applyRetries is how often an apply is recomputed when a Service it
// completed with allocated addresses changed before the apply committed
// (the leader allocated meanwhile).
const applyRetries = 3

// admitServices completes the Services among objs with the addresses
// the cluster already gave them and refuses addresses the cluster cannot
// honour (see svcaddr.Admit), checking the Services of the apply against
// the stored ones and against each other. It modifies the Services in
// objs: pass copies. A Service that exists gets its stored
// resourceVersion as a precondition unless the input carries one, so an
// allocation committed between this check and the apply fails the apply
// (guarded reports that) instead of being overwritten.
func (s *Server) admitServices(ctx context.Context, objs []api.Object, at places) (guarded bool, err error) {
	var x *svcaddr.Index
	var errs []error
	var cfg svcaddr.Config
	for i, o := range objs {
		svc, ok := o.(*api.Service)
		if !ok {
			continue
		}
		if x == nil {
			// Addresses come from the cluster's agreed ranges.
			if err := s.cfg.Settings.WaitSettled(ctx); err != nil {
				return false, err
			}
			cfg = s.cfg.Settings.ServiceAddrs()
			var stored []*api.Service
			for _, o := range s.cfg.View.List("Service", "", nil) {
				stored = append(stored, o.(*api.Service))
			}
			x = svcaddr.NewIndex(stored)
		}
		var cur *api.Service
		if o, ok := s.cfg.View.Get("Service", svc.Namespace, svc.Name); ok {
			cur = o.(*api.Service)
		}
		if err := svcaddr.Admit(cfg, svc, cur, x); err != nil {
			var list api.ErrorList
			if !errors.As(err, &list) {
				list = api.ErrorList{{Detail: err.Error()}}
			}
			for _, fe := range list {
				errs = append(errs, at.wrap(i, svc, fe))
			}
			continue
		}
		x.Put(svc)
		if cur != nil && svc.ResourceVersion == "" {
			svc.ResourceVersion = cur.ResourceVersion
			guarded = true
		}
	}
	if len(errs) > 0 {
		return false, badRequest{errors.Join(errs...)}
	}
	return guarded, nil
}

// copyServices returns objs with every Service replaced by a copy, for
// admitServices to complete.
func copyServices(objs []api.Object) []api.Object {
	out := make([]api.Object, len(objs))
	for i, o := range objs {
		if svc, ok := o.(*api.Service); ok {
			out[i] = api.DeepCopy(svc)
		} else {
			out[i] = o
		}
	}
	return out
}
