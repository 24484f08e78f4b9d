package apiserver

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/placement/controller"
	"github.com/shoal-dev/shoal/view"
)

// evict serves POST /v1/pods/{name}/eviction, the Eviction API: the pod
// is deleted gracefully (its controller replaces it elsewhere) unless
// that would violate the PodDisruptionBudget covering it, which answers
// 429 Too Many Requests naming the budget (drain retries those). An
// allowed eviction of a healthy pod first records the disruption in the
// budget's status, guarded by the budget's resourceVersion, so two
// evictions racing for the last allowed disruption cannot both win: the
// loser's write conflicts and it decides again.
func (s *Server) evict(w http.ResponseWriter, r *http.Request) {
	ns := r.URL.Query().Get("namespace")
	if ns == "" {
		ns = api.DefaultNamespace
	}
	name := r.PathValue("name")
	grace, err := gracePeriodOf(r)
	if err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	for attempt := 0; ; attempt++ {
		cur, ok := s.cfg.View.Get("Pod", ns, name)
		if !ok {
			k, _ := api.LookupKind("Pod")
			writeError(w, http.StatusNotFound, notFound(k, ns, name))
			return
		}
		pod := cur.(*api.Pod)
		now := time.Now()
		ev, err := s.decideEviction(pod, now)
		if err != nil {
			writeError(w, http.StatusInternalServerError, fmt.Errorf("evict pod %s/%s: %w", ns, name, err))
			return
		}
		if !ev.Allowed {
			writeError(w, http.StatusTooManyRequests, fmt.Errorf("cannot evict pod %s/%s as it would violate the pod's disruption budget %s/%s: %s", ns, name, ev.Budget.Namespace, ev.Budget.Name, ev.Reason))
			return
		}
		if ev.Status != nil {
			b := api.DeepCopy(ev.Budget)
			b.Status = *ev.Status
			_, err := s.cfg.Proposer.Propose(r.Context(), consensus.Put{Objects: []api.Object{b}, Mode: consensus.ModeStatus, Time: now})
			if errors.Is(err, consensus.ErrConflict) && attempt < conflictRetries {
				// The budget changed (another eviction, the leader's
				// status) or the replica lags: decide again.
				time.Sleep(20 * time.Millisecond)
				continue
			}
			if err != nil {
				writeError(w, statusOf(err), fmt.Errorf("evict pod %s/%s: record the disruption in budget %s: %w", ns, name, ev.Budget.Name, err))
				return
			}
		}
		key := api.KeyOf(pod)
		pre := []consensus.Precondition{{Key: key, UID: pod.UID}}
		if _, err := s.cfg.Proposer.Propose(r.Context(), s.gracefulDelete([]api.Key{key}, pre, grace, now)); err != nil {
			writeError(w, statusOf(err), err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": []api.AppliedObject{{Kind: "Pod", Namespace: ns, Name: name, Action: "evicted"}}})
		return
	}
}

// decideEviction reads what the eviction of pod depends on from the local
// replica (the budgets, pods and controllers of its namespace) and
// decides.
func (s *Server) decideEviction(pod *api.Pod, now time.Time) (controller.Eviction, error) {
	v, ns := s.cfg.View, pod.Namespace
	budgets := listOf[*api.PodDisruptionBudget](v, "PodDisruptionBudget", ns)
	if len(budgets) == 0 {
		return controller.Eviction{Allowed: true}, nil
	}
	scales := controller.DisruptionScales(
		listOf[*api.Deployment](v, "Deployment", ns),
		listOf[*api.ReplicaSet](v, "ReplicaSet", ns),
		listOf[*api.StatefulSet](v, "StatefulSet", ns))
	return controller.DecideEviction(pod, budgets, listOf[*api.Pod](v, "Pod", ns), scales, now)
}

// listOf lists the objects of kind in namespace ns with their Go type.
func listOf[T api.Object](v view.View, kind, ns string) []T {
	objs := v.List(kind, ns, nil)
	out := make([]T, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.(T))
	}
	return out
}
