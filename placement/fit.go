package placement

// fit is the dynamic feasibility stage for one node: the filters that
// depend on what the node already holds, cheapest first. It returns fits or
// the first reason node n cannot take p.
func (s *state) fit(n int32, p *podInfo) reason {
	u := &s.use[n]
	if len(p.spread) > 0 && s.skewExceeded(n, p) {
		return spreadSkew
	}
	if len(p.near) > 0 && !s.podAffinityMet(n, p) {
		return podAffinity
	}
	if len(p.anti) > 0 && s.antiAffinityConflict(n, p) {
		return antiAffinity
	}
	if len(p.ports) > 0 && portsConflict(u.ports, p.ports) {
		return portsTaken
	}
	if u.free.Pods < 1 {
		return tooManyPods
	}
	// A request of zero fits even an over-committed node, as in Kubernetes.
	if p.req.MilliCPU > 0 && p.req.MilliCPU > u.free.MilliCPU {
		return insufficientCPU
	}
	if p.req.Memory > 0 && p.req.Memory > u.free.Memory {
		return insufficientMemory
	}
	return fits
}

func portsConflict(used, want []uint32) bool {
	for _, w := range want {
		for _, u := range used {
			if u == w {
				return true
			}
		}
	}
	return false
}

// explain counts, for a pod no node could take, why each node rejected
// it: static reasons come from the pod's class, dynamic ones are checked on
// each eligible node. It also returns a node that does fit, or -1; that
// would mean the rank stage missed it, so the caller places the pod there
// rather than report a false reason.
func (s *state) explain(p *podInfo) (reasonCounts, int32) {
	counts := p.class.rejected
	for _, z := range p.class.zones {
		for _, n := range z.nodes {
			r := s.fit(n, p)
			if r == fits {
				return counts, n
			}
			counts[r]++
		}
	}
	return counts, -1
}
