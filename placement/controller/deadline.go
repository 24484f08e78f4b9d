package controller

import (
	"time"

	"github.com/shoal-dev/shoal/api"
)

// NextNodeDeadline returns the earliest moment after now at which a node
// that is not Ready becomes lost for NodeGrace (its Deployment and
// DaemonSet pods are given up) or for max(NodeGrace, FenceAfter) (its
// StatefulSet pods may run elsewhere), or its machine was found gone (see
// HostGoneSince), with cfg's defaults filled in; the
// zero time if no node has such a moment ahead. The leader wakes its
// controllers then instead of waiting for its next periodic pass.
// Per-pod tolerationSeconds are left to the periodic pass.
func NextNodeDeadline(nodes []*api.Node, now time.Time, cfg Config) time.Time {
	cfg = cfg.withDefaults()
	var next time.Time
	for _, n := range nodes {
		c := n.Condition(api.NodeReady)
		if c == nil || c.Status == api.ConditionTrue || c.LastTransitionTime == nil {
			continue
		}
		due := []time.Time{c.LastTransitionTime.Add(cfg.NodeGrace), c.LastTransitionTime.Add(cfg.statefulGrace())}
		if gone, ok := HostGoneSince(n); ok && cfg.NodeGrace < HostGoneMaxNodeGrace {
			due = append(due, gone)
		}
		for _, t := range due {
			if t.After(now) && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
	}
	return next
}
