package apiserver

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/placement/controller"
)

// gracefulDelete is the one way pods are deleted on someone's behalf (a
// user, a drain, a controller): every pod among keys that may still run
// is marked Terminating for grace seconds (nil: its own
// terminationGracePeriodSeconds) and its node stops it and then removes
// it; a pod bound to a node that runs no pods (--runtime none) or is lost
// (gone, or not Ready for --node-grace; for a StatefulSet pod
// max(--node-grace, --fence-after), so its cut-off agent has fenced it
// and its identity never runs twice), which no agent would stop and
// confirm, is removed at once. Other kinds are removed as usual.
func (s *Server) gracefulDelete(keys []api.Key, pre []consensus.Precondition, grace *int64, now time.Time) consensus.Delete {
	d := consensus.Delete{Keys: keys, Preconditions: pre, Grace: &consensus.Grace{Time: now, Seconds: grace}}
	for _, k := range keys {
		if k.Kind != "Pod" {
			continue
		}
		o, ok := s.cfg.View.Get("Pod", k.Namespace, k.Name)
		if !ok || o.(*api.Pod).Spec.NodeName == "" {
			continue
		}
		pod := o.(*api.Pod)
		var node *api.Node
		if n, ok := s.cfg.View.Get("Node", "", pod.Spec.NodeName); ok {
			node = n.(*api.Node)
		}
		wait := s.cfg.Settings.NodeGrace()
		if ownedByStatefulSet(pod) {
			wait = controller.StatefulGrace(wait, s.cfg.Settings.FenceAfter())
		}
		if node == nil || !node.RunsPods() || controller.NodeLost(node, now, wait) {
			d.Grace.Force = append(d.Grace.Force, k)
		}
	}
	return d
}

// ownedByStatefulSet reports whether a StatefulSet controls pod.
func ownedByStatefulSet(pod *api.Pod) bool {
	for _, r := range pod.OwnerReferences {
		if r.Controller != nil && *r.Controller && r.Kind == "StatefulSet" {
			return true
		}
	}
	return false
}

// gracePeriodOf reads the gracePeriodSeconds query parameter of a delete:
// absent or -1 means each pod's own grace period, 0 removes at once.
func gracePeriodOf(r *http.Request) (*int64, error) {
	raw := r.URL.Query().Get("gracePeriodSeconds")
	if raw == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < -1 || n > api.MaxGracePeriodSeconds {
		return nil, badRequest{fmt.Errorf("gracePeriodSeconds %q: want a whole number of seconds 0-%d, or -1 for each pod's own", raw, api.MaxGracePeriodSeconds)}
	}
	if n == -1 {
		return nil, nil
	}
	return &n, nil
}
