package placement

import (
	"math"
	"slices"

	"github.com/shoal-dev/shoal/api"
)

// budget is a disruption budget during one Schedule call.
type budget struct {
	b *api.PodDisruptionBudget
	// allowed is how many more of its pods may be preempted without
	// violating it: its status's disruptionsAllowed less the victims
	// already chosen in this call.
	allowed int32
}

func (s *state) indexBudgets(budgets []*api.PodDisruptionBudget) {
	s.claimed = map[string]bool{}
	for _, b := range budgets {
		if b != nil && b.Spec.Selector != nil {
			s.budgets = append(s.budgets, budget{b: b, allowed: b.Status.DisruptionsAllowed})
		}
	}
}

// budgetsOf returns the indexes of the budgets that cover pod.
func (s *state) budgetsOf(pod *api.Pod) []int {
	var out []int
	for i, b := range s.budgets {
		if b.b.Namespace == pod.Namespace && b.b.Spec.Selector.Matches(pod.Labels) {
			out = append(out, i)
		}
	}
	return out
}

// preemption is one node's answer to "what must go for the pod to fit".
type preemption struct {
	node    int32
	victims []*api.Pod
	// violations counts victims whose budget allows no more disruptions.
	violations int
	// top is the highest priority among the victims.
	top int32
}

// better reports whether a is a better choice than b, as Kubernetes
// picks: fewer budget violations, then the lowest highest-priority
// victim, then fewer victims, then node name order (nodes are indexed
// by name).
func (a *preemption) better(b *preemption) bool {
	switch {
	case b == nil:
		return true
	case a.violations != b.violations:
		return a.violations < b.violations
	case a.top != b.top:
		return a.top < b.top
	case len(a.victims) != len(b.victims):
		return len(a.victims) < len(b.victims)
	}
	return a.node < b.node
}

// preempt is the last stage for a pod no node can take (d.Node == ""):
// unless its preemptionPolicy is Never, it looks, among the nodes that
// pass the pod's static filters, for one where evicting some of the
// pods of lower priority makes the pod fit, and sets d.NominatedNode and
// d.Victims to the best such node and the fewest pods that must go
// there. Victims are chosen lowest priority first, and kept if the pod
// fits without them (a PodDisruptionBudget's pods are kept first). A pod
// already nominated to a node where pods of lower priority are still
// terminating waits for them instead (d.NominatedNode set, no victims).
// The victims still hold their resources in this call (they stop
// gracefully), but are not offered to another preemptor.
func (s *state) preempt(pod *api.Pod, d *Decision) {
	prio := api.PodPriority(pod)
	if !api.PodPreempts(pod) || !s.anyBelow(prio) || s.claimProblem(pod) != "" {
		return
	}
	if n, ok := s.byName[pod.Status.NominatedNodeName]; ok && pod.Status.NominatedNodeName != "" {
		for _, q := range s.use[n].pods {
			if q.DeletionTimestamp != nil && api.PodPriority(q) < prio {
				d.NominatedNode = s.nodes[n].Name
				return
			}
		}
	}
	p, _ := s.podInfoOf(pod)
	var best *preemption
	for _, z := range p.class.zones {
		for _, n := range z.nodes {
			if c := s.preemptOn(n, p, prio); c != nil && c.better(best) {
				best = c
			}
		}
	}
	if best == nil {
		return
	}
	d.NominatedNode = s.nodes[best.node].Name
	for _, v := range best.victims {
		s.claimed[v.Namespace+"/"+v.Name] = true
		for _, i := range s.budgetsOf(v) {
			s.budgets[i].allowed--
		}
		d.Victims = append(d.Victims, api.KeyOf(v))
	}
	slices.SortFunc(d.Victims, func(a, b api.Key) int {
		if a.Namespace != b.Namespace {
			if a.Namespace < b.Namespace {
				return -1
			}
			return 1
		}
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
}

// anyBelow reports whether some bound pod has a priority below prio
// (most calls have none, and preemption costs nothing then).
func (s *state) anyBelow(prio int32) bool {
	if !s.havePrio {
		s.havePrio = true
		s.minPrio = math.MaxInt32
		for i := range s.use {
			for _, q := range s.use[i].pods {
				if q.Spec.NodeName != "" {
					s.minPrio = min(s.minPrio, api.PodPriority(q))
				}
			}
		}
	}
	return s.minPrio < prio
}

// podInfoOf builds what the filters need to know about pod, and its
// class spec.
func (s *state) podInfoOf(pod *api.Pod) (*podInfo, classSpec) {
	spec := classSpec{
		selector:    pod.Spec.NodeSelector,
		pin:         s.volumePin(pod),
		tolerations: pod.Spec.Tolerations,
		affinity:    pod.Spec.RequiredNodeSelector(),
		preferred:   pod.Spec.PreferredNodeAffinity(),
	}
	p := &podInfo{
		req:   PodRequests(pod),
		ports: hostPorts(pod),
		class: s.classFor(spec),
		owner: s.ownerFor(ownerKey(pod)),
		hash:  podHash(pod),
		pod:   pod,
		anti:  pod.Spec.RequiredAntiAffinity(),
		near:  pod.Spec.RequiredPodAffinity(),
	}
	p.spread = spreadConstraints(pod, api.DoNotSchedule)
	return p, spec
}

// preemptOn finds the fewest pods of priority below prio on node n whose
// eviction lets p fit there, or nil.
func (s *state) preemptOn(n int32, p *podInfo, prio int32) *preemption {
	name := s.nodes[n].Name
	var candidates []*api.Pod
	for _, q := range s.use[n].pods {
		if q.Spec.NodeName == name && q.DeletionTimestamp == nil && api.PodPriority(q) < prio && !s.claimed[q.Namespace+"/"+q.Name] {
			candidates = append(candidates, q)
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	saved := s.use[n]
	saved.pods = slices.Clone(saved.pods)
	saved.ports = slices.Clone(saved.ports)
	defer func() { s.use[n] = saved }()
	for _, q := range candidates {
		s.release(n, q)
	}
	if s.fit(n, p) != fits {
		return nil
	}
	// Reprieve: give back as many pods as still let p fit, those covered
	// by an exhausted budget first, then the highest priority first.
	allowed := make([]int32, len(s.budgets))
	for i, b := range s.budgets {
		allowed[i] = b.allowed
	}
	violates := func(q *api.Pod) bool {
		for _, i := range s.budgetsOf(q) {
			if allowed[i] <= 0 {
				return true
			}
		}
		return false
	}
	order := slices.Clone(candidates)
	slices.SortStableFunc(order, func(a, b *api.Pod) int {
		va, vb := violates(a), violates(b)
		if va != vb {
			if va {
				return -1
			}
			return 1
		}
		return int(api.PodPriority(b)) - int(api.PodPriority(a))
	})
	c := &preemption{node: n}
	for _, q := range order {
		s.restore(n, q)
		if s.fit(n, p) == fits {
			continue
		}
		s.release(n, q)
		if violates(q) {
			c.violations++
		}
		for _, i := range s.budgetsOf(q) {
			allowed[i]--
		}
		if pr := api.PodPriority(q); len(c.victims) == 0 || pr > c.top {
			c.top = pr
		}
		c.victims = append(c.victims, q)
	}
	return c
}

// release takes pod q off node n's accounting, as if it had gone.
func (s *state) release(n int32, q *api.Pod) {
	u := &s.use[n]
	u.free = u.free.Add(PodRequests(q))
	for _, port := range hostPorts(q) {
		if i := slices.Index(u.ports, port); i >= 0 {
			u.ports = slices.Delete(u.ports, i, i+1)
		}
	}
	if i := slices.Index(u.pods, q); i >= 0 {
		u.pods = slices.Delete(u.pods, i, i+1)
	}
}

// restore puts pod q back on node n's accounting.
func (s *state) restore(n int32, q *api.Pod) {
	u := &s.use[n]
	u.free = u.free.Sub(PodRequests(q))
	u.ports = append(u.ports, hostPorts(q)...)
	u.pods = append(u.pods, q)
}
