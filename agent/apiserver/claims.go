package apiserver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// Deleting a PersistentVolumeClaim is deferred, as Kubernetes' pvc-
// protection finalizer defers it: the claim is marked (deletionTimestamp,
// shown as Terminating) and stays while a pod uses it; then the node that
// holds its data removes the directory and the claim (the leader removes
// claims no node holds). See placement/controller/claims.go.

// markClaimsDeleted marks the claims among keys deleted and returns the
// other keys, for an ordinary delete. A claim already marked is left as it
// is.
func (s *Server) markClaimsDeleted(ctx context.Context, keys []api.Key, now time.Time) ([]api.Key, error) {
	rest := make([]api.Key, 0, len(keys))
	var marked []api.Object
	for _, k := range keys {
		if k.Kind != "PersistentVolumeClaim" {
			rest = append(rest, k)
			continue
		}
		o, ok := s.cfg.View.Get(k.Kind, k.Namespace, k.Name)
		if !ok || o.GetObjectMeta().DeletionTimestamp != nil {
			continue
		}
		cp := api.DeepCopy(o)
		t := now.UTC().Truncate(time.Second)
		cp.GetObjectMeta().DeletionTimestamp = &t
		marked = append(marked, cp) // its resourceVersion is the precondition
	}
	if len(marked) > 0 {
		if _, err := s.cfg.Proposer.Propose(ctx, consensus.Put{Objects: marked, Mode: consensus.ModeReplace, Time: now}); err != nil {
			return nil, fmt.Errorf("mark claims deleted: %w", err)
		}
	}
	return rest, nil
}

// deleteKeys deletes keys on a user's behalf: claims are marked deleted,
// pods are deleted gracefully, other objects at once.
func (s *Server) deleteKeys(ctx context.Context, keys []api.Key, grace *int64, now time.Time) error {
	rest, err := s.markClaimsDeleted(ctx, keys, now)
	if err != nil || len(rest) == 0 {
		return err
	}
	_, err = s.cfg.Proposer.Propose(ctx, s.gracefulDelete(rest, nil, grace, now))
	return err
}

// authorizeClaimRemoval lets node remove a claim whose data it holds once
// the claim is marked deleted, guarded by uid: it has removed the data.
func authorizeClaimRemoval(st objectGetter, node string, key api.Key, uid string) error {
	if uid == "" {
		return forbidden{fmt.Errorf("node %s may not delete %s without a uid precondition", node, describe(key))}
	}
	o, ok := st.Get(key.Kind, key.Namespace, key.Name)
	if !ok {
		return nil // the store answers "not found"; the uid guards the rest
	}
	c := o.(*api.PersistentVolumeClaim)
	if holder := c.ClaimNode(); holder != node {
		return forbidden{fmt.Errorf("node %s may not delete %s, %s", node, describe(key), boundTo(holder))}
	}
	if c.DeletionTimestamp == nil {
		return forbidden{fmt.Errorf("node %s may not delete %s: it is not being deleted", node, describe(key))}
	}
	return nil
}

// checkServiceAccounts refuses Pods and workloads whose pods name a
// ServiceAccount that does not exist in their namespace (and is not
// applied with them), as Kubernetes' ServiceAccount admission refuses
// such pods; "default" always exists.
func (s *Server) checkServiceAccounts(objs []api.Object, at places) error {
	applied := map[api.Key]bool{}
	for _, obj := range objs {
		if _, ok := obj.(*api.ServiceAccount); ok {
			applied[api.KeyOf(obj)] = true
		}
	}
	var errs []error
	for i, obj := range objs {
		spec := podSpecOf(obj)
		if spec == nil {
			continue
		}
		key := api.KeyOf(obj)
		sa := spec.ServiceAccountOf()
		if sa == api.DefaultServiceAccount || applied[api.Key{Kind: "ServiceAccount", Namespace: key.Namespace, Name: sa}] {
			continue
		}
		if _, ok := s.cfg.View.Get("ServiceAccount", key.Namespace, sa); !ok {
			errs = append(errs, at.wrap(i, obj, fmt.Errorf("serviceaccount %q not found in namespace %q: apply the ServiceAccount first (or with it)", sa, key.Namespace)))
		}
	}
	if len(errs) > 0 {
		return badRequest{errors.Join(errs...)}
	}
	return nil
}

// checkClaimUpdates refuses an apply that changes what a stored claim may
// not change (api.ClaimUpdateError) and keeps the binding a manifest
// leaves out (api.KeepClaimBinding).
func (s *Server) checkClaimUpdates(objs []api.Object, at places) error {
	var errs []error
	for i, obj := range objs {
		next, ok := obj.(*api.PersistentVolumeClaim)
		if !ok {
			continue
		}
		o, ok := s.cfg.View.Get("PersistentVolumeClaim", next.Namespace, next.Name)
		if !ok {
			continue
		}
		cur := o.(*api.PersistentVolumeClaim)
		if err := api.ClaimUpdateError(next, cur); err != nil {
			// The error starts with the kind and name; wrap names them
			// with the object's place.
			if inner := errors.Unwrap(err); inner != nil {
				err = inner
			}
			errs = append(errs, at.wrap(i, obj, err))
			continue
		}
		api.KeepClaimBinding(next, cur)
	}
	if len(errs) > 0 {
		return badRequest{errors.Join(errs...)}
	}
	return nil
}
