package placement

// skewExceeded reports whether placing p on node n breaks one of its
// topology spread constraints (p.spread): the node lacks the constraint's
// topologyKey, or its domain would hold more than maxSkew matching pods
// above the emptiest domain. Domains are the values of the key over the
// pod's eligible nodes (its class), and only pods on those nodes in the
// pod's namespace count, as in Kubernetes; with fewer domains than
// minDomains the emptiest counts as 0. Cost: O(eligible nodes + their
// pods) per constraint, paid only by pods with constraints.
func (s *state) skewExceeded(n int32, p *podInfo) bool {
	for i := range p.spread {
		c := &p.spread[i]
		v, ok := s.nodes[n].Labels[c.TopologyKey]
		if !ok {
			return true
		}
		counts := map[string]int{}
		for _, z := range p.class.zones {
			for _, m := range z.nodes {
				w, ok := s.nodes[m].Labels[c.TopologyKey]
				if !ok {
					continue
				}
				k := counts[w]
				for _, q := range s.use[m].pods {
					if !finished(q) && q.Namespace == p.pod.Namespace && c.LabelSelector != nil && c.LabelSelector.Matches(q.Labels) {
						k++
					}
				}
				counts[w] = k
			}
		}
		if _, ok := counts[v]; !ok {
			counts[v] = 0 // n itself (a pinned class lists only its pin)
		}
		least := -1
		for _, k := range counts {
			if least < 0 || k < least {
				least = k
			}
		}
		if c.MinDomains != nil && len(counts) < int(*c.MinDomains) {
			least = 0
		}
		self := 0
		if c.LabelSelector != nil && c.LabelSelector.Matches(p.pod.Labels) {
			self = 1
		}
		if counts[v]+self-least > int(c.MaxSkew) {
			return true
		}
	}
	return false
}
