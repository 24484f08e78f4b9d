package placement

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/shoal-dev/shoal/api"
)

// Strategy chooses how the rank stage weighs a node's allocation once
// spread is equal.
type Strategy string

// Strategies.
const (
	// Spread prefers the least-allocated node (the default).
	Spread Strategy = "spread"
	// Binpack prefers the most-allocated node, filling nodes one after
	// another and leaving others empty.
	Binpack Strategy = "binpack"
)

// Config is the scheduler's configuration.
type Config struct {
	// Strategy is Spread (default when empty) or Binpack.
	Strategy Strategy
}

// Validate reports a strategy the scheduler does not know.
func (c Config) Validate() error {
	switch c.Strategy {
	case "", Spread, Binpack:
		return nil
	}
	return fmt.Errorf("placement strategy %q: want %s or %s", c.Strategy, Spread, Binpack)
}

// Decision is where one pod goes.
type Decision struct {
	// Pod is the pod's key (api.KeyOf).
	Pod api.Key
	// Node is the node to bind it to, or "" if no node can take it.
	Node string
	// Reason says, for a human, why no node can take the pod, e.g. "0/3
	// nodes are available: 2 insufficient memory, 1 node(s) didn't match
	// nodeSelector"; "" when Node is set.
	Reason string

	// Preemption (issue 12, preempt.go).

	// NominatedNode, for a pod no node can take now, is the node where
	// evicting Victims (or waiting for earlier victims to go) makes room;
	// the caller records it as status.nominatedNodeName. The pod is placed
	// by a later call, once the room is there.
	NominatedNode string
	// Victims are the lower-priority pods on NominatedNode to evict
	// gracefully; empty while earlier victims are still terminating.
	Victims []api.Key
}

// Schedule decides where each pending pod goes, higher spec.priority
// first and otherwise in the order given: each placement uses up its
// node's resources and ports and counts for spreading its owner before
// the next pod is placed. A pod no node can take may preempt
// lower-priority pods (preempt.go): its Decision then names a node and
// the victims to evict. It returns one Decision per
// non-nil pod, in the same order. A pod that no node can take gets a
// Reason; the caller leaves it Pending and calls Schedule again when the
// cluster changes.
//
// Schedule is pure: it reads snap and pending, never modifies them, and
// gives the same decisions for the same input in any node or pod order of
// snap. Pending pods' spec.nodeName is ignored. An unknown strategy is
// treated as Spread (see Config.Validate).
func Schedule(snap *Snapshot, pending []*api.Pod, cfg Config) []Decision {
	if snap == nil {
		snap = &Snapshot{}
	}
	strategy := cfg.Strategy
	if strategy != Binpack {
		strategy = Spread
	}
	s := indexSnapshot(snap, strategy)
	s.indexBudgets(snap.Budgets)
	var pods []*api.Pod
	for _, pod := range pending {
		if pod != nil {
			pods = append(pods, pod)
		}
	}
	// Higher priority first; equal priorities keep the caller's order.
	order := make([]int, len(pods))
	mixed := false
	for i := range order {
		order[i] = i
		mixed = mixed || api.PodPriority(pods[i]) != api.PodPriority(pods[0])
	}
	if mixed {
		sort.SliceStable(order, func(a, b int) bool { return api.PodPriority(pods[order[a]]) > api.PodPriority(pods[order[b]]) })
	}
	out := make([]Decision, len(pods))
	for _, i := range order {
		out[i] = s.place(pods[i])
		if out[i].Node == "" {
			s.preempt(pods[i], &out[i])
		}
	}
	return out
}

// podInfo is what the stages need to know about a pod being placed.
type podInfo struct {
	req   Resources
	ports []uint32
	class *class
	owner *owner
	// hash of the pod's namespace and name, for tie-breaks.
	hash uint64
	// pod is the pod being placed; anti its required podAntiAffinity.
	pod  *api.Pod
	anti []api.PodAffinityTerm
	// near is its required podAffinity: placing pods can make more nodes
	// feasible for it, so its failures are not remembered by shape.
	near []api.PodAffinityTerm
	// spread are its DoNotSchedule topology spread constraints (not
	// monotone either: placements elsewhere raise the emptiest domain).
	spread []api.TopologySpreadConstraint
}

// forgetful reports whether p's failures must not be remembered by shape.
func (p *podInfo) forgetful() bool { return len(p.near) > 0 || len(p.spread) > 0 }

// spreadConstraints splits a pod's topology spread constraints by action.
func spreadConstraints(pod *api.Pod, action api.UnsatisfiableConstraintAction) []api.TopologySpreadConstraint {
	var out []api.TopologySpreadConstraint
	for _, c := range pod.Spec.TopologySpreadConstraints {
		if c.WhenUnsatisfiable == action {
			out = append(out, c)
		}
	}
	return out
}

// place runs the pipeline for one pod and commits its placement.
func (s *state) place(pod *api.Pod) Decision {
	d := Decision{Pod: api.KeyOf(pod)}
	if why := s.claimProblem(pod); why != "" {
		d.Reason = fmt.Sprintf("0/%d nodes are available: %s", len(s.nodes), why)
		return d
	}
	p, spec := s.podInfoOf(pod)
	var shape string
	if len(s.failed) > 0 && !p.forgetful() {
		shape = p.shape()
		if why, ok := s.failed[shape]; ok {
			d.Reason = why
			return d
		}
	}
	n := s.placePreferred(p, spec)
	switch {
	case n >= 0:
	case p.class.size == 0:
	case p.class.pinned:
		if s.fit(p.class.pin, p) == fits {
			n = p.class.pin
		}
	default:
		n = s.rank(p, s.viewOf(p.owner, p.class))
	}
	if n < 0 {
		var counts reasonCounts
		counts, n = s.explain(p)
		if n < 0 {
			d.Reason = counts.message(len(s.nodes))
			if p.forgetful() {
				return d
			}
			if shape == "" {
				shape = p.shape()
			}
			s.failed[shape] = d.Reason
			return d
		}
	}
	s.take(n, p.req, p.ports)
	s.use[n].pods = append(s.use[n].pods, pod)
	p.owner.record(n, s.zoneOf[n])
	d.Node = s.nodes[n].Name
	s.claimPlaced(pod, d.Node)
	return d
}

// shape identifies what decides whether a pod fits anywhere: its class,
// requests and host ports (not its owner, which only affects ranking).
func (p *podInfo) shape() string {
	var b strings.Builder
	b.WriteString(p.class.key)
	for _, v := range []int64{p.req.MilliCPU, p.req.Memory} {
		b.WriteByte(1)
		b.WriteString(strconv.FormatInt(v, 10))
	}
	for _, port := range p.ports {
		b.WriteByte(2)
		b.WriteString(strconv.FormatUint(uint64(port), 10))
	}
	if len(p.anti) > 0 {
		writeAntiShape(&b, p)
	}
	return b.String()
}

// podHash is the FNV-1a hash of "namespace/name".
func podHash(p *api.Pod) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for _, s := range [...]string{p.Namespace, "/", p.Name} {
		for i := 0; i < len(s); i++ {
			h = (h ^ uint64(s[i])) * prime
		}
	}
	return h
}
