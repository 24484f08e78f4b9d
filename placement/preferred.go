package placement

import "github.com/shoal-dev/shoal/api"

// placePreferred ranks p with its preferences treated as requirements:
// nodes without a PreferNoSchedule taint it does not tolerate and with the
// highest preferred node affinity weight (a strict class), and its
// preferred podAffinity and podAntiAffinity terms as required ones. It returns the node
// found, or -1 (no preference applies, or none can be met) so the caller
// ranks over every eligible node. This is stronger than Kubernetes'
// weighted scores: a preference is given up only when it cannot be met.
func (s *state) placePreferred(p *podInfo, spec classSpec) int32 {
	c := p.class
	softAnti := p.pod.Spec.PreferredAntiAffinity()
	softNear := p.pod.Spec.PreferredPodAffinity()
	softSpread := spreadConstraints(p.pod, api.ScheduleAnyway)
	split := c.avoided > 0 && c.avoided < c.size || c.prefVaries
	if c.pinned || c.size == 0 || !split && len(softAnti) == 0 && len(softNear) == 0 && len(softSpread) == 0 {
		return -1
	}
	if split {
		spec.pin, spec.strict = "", true
		p.class = s.classFor(spec)
	}
	anti, near, spread := p.anti, p.near, p.spread
	for i := range softAnti {
		p.anti = append(p.anti[:len(p.anti):len(p.anti)], softAnti[i].PodAffinityTerm)
	}
	for i := range softNear {
		p.near = append(p.near[:len(p.near):len(p.near)], softNear[i].PodAffinityTerm)
	}
	p.spread = append(p.spread[:len(p.spread):len(p.spread)], softSpread...)
	n := int32(-1)
	if p.class.size > 0 {
		n = s.rank(p, s.viewOf(p.owner, p.class))
	}
	p.class, p.anti, p.near, p.spread = c, anti, near, spread
	return n
}
