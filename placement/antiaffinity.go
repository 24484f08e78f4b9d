package placement

import (
	"sort"
	"strings"
)

// antiAffinityConflict reports whether placing p on node n breaks one of
// its required podAntiAffinity terms: a pod the term selects already runs
// (or was placed in this batch) on a node in n's domain of the term's
// topologyKey. A node without that label is in no domain and conflicts
// with nothing. It scans every node for the domain: O(nodes + their pods)
// per term, paid only by pods with anti-affinity.
func (s *state) antiAffinityConflict(n int32, p *podInfo) bool {
	for i := range p.anti {
		t := &p.anti[i]
		v, ok := s.nodes[n].Labels[t.TopologyKey]
		if !ok {
			continue
		}
		for m := range s.nodes {
			if w, ok := s.nodes[m].Labels[t.TopologyKey]; !ok || w != v {
				continue
			}
			for _, q := range s.use[m].pods {
				if !finished(q) && t.Selects(p.pod.Namespace, q.Namespace, q.Labels) {
					return true
				}
			}
		}
	}
	return false
}

// podAffinityMet reports whether node n meets every required podAffinity
// term of p: the node has the term's topologyKey and a pod the term
// selects runs in its domain — or no pod in the cluster matches the term
// and p itself does (the first pod of a co-located group).
func (s *state) podAffinityMet(n int32, p *podInfo) bool {
	for i := range p.near {
		t := &p.near[i]
		v, ok := s.nodes[n].Labels[t.TopologyKey]
		if !ok {
			return false
		}
		inDomain, anywhere := false, false
		for m := range s.nodes {
			w, ok := s.nodes[m].Labels[t.TopologyKey]
			for _, q := range s.use[m].pods {
				if !finished(q) && t.Selects(p.pod.Namespace, q.Namespace, q.Labels) {
					anywhere = true
					if ok && w == v {
						inDomain = true
					}
				}
			}
			if inDomain {
				break
			}
		}
		if inDomain {
			continue
		}
		if anywhere || !t.Selects(p.pod.Namespace, p.pod.Namespace, p.pod.Labels) {
			return false
		}
	}
	return true
}

// writeAntiShape adds what decides p's anti-affinity to its shape: its
// terms, namespace and labels (its own replicas may match its terms).
func writeAntiShape(b *strings.Builder, p *podInfo) {
	b.WriteString("\x08")
	b.WriteString(p.pod.Namespace)
	keys := make([]string, 0, len(p.pod.Labels))
	for k := range p.pod.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteByte(0)
		b.WriteString(k + "=" + p.pod.Labels[k])
	}
	for _, t := range p.anti {
		b.WriteByte(9)
		b.WriteString(t.TopologyKey)
		b.WriteByte(0)
		b.WriteString(strings.Join(t.Namespaces, ","))
		b.WriteByte(0)
		if t.LabelSelector != nil {
			b.WriteString(t.LabelSelector.String())
		}
	}
}
