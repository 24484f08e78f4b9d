package apiserver

import (
	"errors"
	"fmt"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/placement"
	"github.com/shoal-dev/shoal/view"
)

// Beyond validation's fixed ceiling (api.MaxReplicas), a workload may not
// ask for far more pods than the cluster can run: replicasPerPodSlot
// times the pods its nodes take together, but never less than
// minReplicaLimit, so that a cluster whose nodes are still joining stays
// usable; or, when the agent is given --max-replicas, that. Lowering
// replicas, or changing other fields of a workload that is already over
// the limit (the cluster lost nodes), is always allowed.
const (
	replicasPerPodSlot = 2
	minReplicaLimit    = 500
)

// replicaLimit is the most replicas one workload may have in a cluster
// whose nodes take podCapacity pods together, or fixed if positive.
func replicaLimit(podCapacity int64, fixed int) int64 {
	if fixed > 0 {
		return min(int64(fixed), api.MaxReplicas)
	}
	return min(max(replicasPerPodSlot*podCapacity, minReplicaLimit), api.MaxReplicas)
}

// podCapacity is how many pods the cluster's nodes take together, and how
// many nodes there are.
func podCapacity(v view.View) (pods int64, nodes int) {
	for _, n := range view.All[*api.Node](v, "Node") {
		pods += placement.NodeInfoFrom(n).Allocatable.Pods
		nodes++
	}
	return pods, nodes
}

// replicasOf returns a workload's replicas, or false for other kinds.
func replicasOf(obj api.Object) (int64, bool) {
	var r *int32
	switch o := obj.(type) {
	case *api.Deployment:
		r = o.Spec.Replicas
	case *api.StatefulSet:
		r = o.Spec.Replicas
	case *api.ReplicaSet:
		r = o.Spec.Replicas
	default:
		return 0, false
	}
	if r == nil {
		return 1, true
	}
	return int64(*r), true
}

// checkReplicas refuses workloads among objs that raise their replicas
// past the cluster's replica limit.
func (s *Server) checkReplicas(objs []api.Object, at places) error {
	var errs []error
	var limit, capacity int64
	var nodes int
	fixed := s.cfg.Settings.MaxReplicas()
	for i, obj := range objs {
		want, ok := replicasOf(obj)
		if !ok {
			continue
		}
		if limit == 0 {
			capacity, nodes = podCapacity(s.cfg.View)
			limit = replicaLimit(capacity, fixed)
		}
		if want <= limit {
			continue
		}
		key := api.KeyOf(obj)
		if cur, ok := s.cfg.View.Get(key.Kind, key.Namespace, key.Name); ok {
			if had, _ := replicasOf(cur); want <= had {
				continue
			}
		}
		why := fmt.Sprintf("%d × the %d pods this cluster's %d nodes can run, at least %d, at most %d); add nodes or ask for fewer", replicasPerPodSlot, capacity, nodes, minReplicaLimit, api.MaxReplicas)
		if fixed > 0 {
			why = "this agent's --max-replicas)"
		}
		errs = append(errs, at.wrap(i, obj, fmt.Errorf("spec.replicas: got %d, want at most %d (%s", want, limit, why)))
	}
	if len(errs) > 0 {
		return badRequest{errors.Join(errs...)}
	}
	return nil
}
