package placement

import "sort"

// maxCandidates bounds how many feasible nodes the rank stage scores for
// one pod, once it has found the best spread level and zone; with the scan
// budget it keeps the cost per pod independent of the cluster's size.
const maxCandidates = 64

// scanBudget bounds how many more nodes are checked once one candidate has
// been found.
const scanBudget = 4 * maxCandidates

// candidate is a feasible node and its resource score: the dominant share
// of cpu or memory that would be allocated after placing the pod.
type candidate struct {
	node  int32
	share float64
}

// search is the rank stage for one pod.
type search struct {
	s      *state
	p      *podInfo
	v      *view
	cands  []candidate
	budget int
}

// rank returns the best node for p, or -1 if no node fits. It looks at
// spread levels from the fewest of the owner's pods up, and within a level
// at zones from the fewest of the owner's pods up; the first level and
// zone-count with a feasible node wins, so spread is exact. Within it, up
// to maxCandidates feasible nodes are scored, starting at an offset
// rotated by the pod's hash.
func (s *state) rank(p *podInfo, v *view) int32 {
	sr := search{s: s, p: p, v: v, cands: s.cands[:0], budget: scanBudget}
	defer func() { s.cands = sr.cands[:0] }()
	cls := v.cls
	for level := int32(0); level <= v.o.max; level++ {
		if level == 0 && len(v.touched) < len(cls.zones) {
			// Zones without the owner's pods come first; all their
			// eligible nodes are at level 0.
			start := sr.rotate(len(cls.zones), 0)
			for i := range cls.zones {
				czi := int32((start + i) % len(cls.zones))
				if v.touched[czi] != nil {
					continue
				}
				if sr.scanList(cls.zones[czi].nodes, nil) {
					break
				}
			}
			if len(sr.cands) > 0 {
				return sr.best()
			}
		}
		for i := 0; i < len(v.order); {
			count := v.order[i].count
			j := i + sort.Search(len(v.order)-i, func(k int) bool { return v.order[i+k].count > count })
			run := v.order[i:j]
			start := sr.rotate(len(run), 0)
			for k := range run {
				if sr.scanZone(run[(start+k)%len(run)], level) {
					break
				}
			}
			if len(sr.cands) > 0 {
				return sr.best()
			}
			i = j
		}
	}
	return -1
}

// rotate returns where to start scanning a list of n: an offset from the
// pod's hash (salted, so lists of the same length start at different
// places), or 0 with Binpack, which fills the same nodes first.
func (sr *search) rotate(n int, salt uint64) int {
	if n == 0 || sr.s.strategy == Binpack {
		return 0
	}
	return int(mix(sr.p.hash^salt) % uint64(n))
}

// scanZone scans the level-l nodes of a touched zone. It reports whether
// the search should stop.
func (sr *search) scanZone(zc *zoneCells, l int32) bool {
	if l == 0 {
		if c, ok := sr.v.level0(zc); ok {
			return sr.scanCell(c, 0)
		}
		nodes := sr.v.cls.zones[zc.czi].nodes
		if zc.covered == 0 {
			return sr.scanList(nodes, nil)
		}
		return sr.scanList(nodes, sr.v.o.count)
	}
	if int(l) >= len(zc.levels) {
		return false
	}
	return sr.scanCell(&zc.levels[l], l)
}

// scanCell scans a cell, skipping nodes that have left level l.
func (sr *search) scanCell(c *cell, l int32) bool {
	sr.v.compact(c, l)
	if len(c.nodes) == int(c.stale) {
		return false
	}
	count := sr.v.o.count
	start := sr.rotate(len(c.nodes), uint64(l)+1)
	for i := range c.nodes {
		n := c.nodes[(start+i)%len(c.nodes)]
		if count[n] != l {
			continue
		}
		if sr.consider(n) {
			return true
		}
	}
	return false
}

// scanList scans nodes, skipping those with a count in skip (if not nil).
func (sr *search) scanList(nodes []int32, skip map[int32]int32) bool {
	start := sr.rotate(len(nodes), 0x9e37)
	for i := range nodes {
		n := nodes[(start+i)%len(nodes)]
		if skip != nil && skip[n] > 0 {
			continue
		}
		if sr.consider(n) {
			return true
		}
	}
	return false
}

// consider checks one node and keeps it if p fits. It reports whether the
// search has seen enough.
func (sr *search) consider(n int32) bool {
	if len(sr.cands) > 0 {
		sr.budget--
		if sr.budget < 0 {
			return true
		}
	}
	if sr.s.fit(n, sr.p) != fits {
		return false
	}
	sr.cands = append(sr.cands, candidate{node: n, share: sr.s.share(n, sr.p.req)})
	return len(sr.cands) >= maxCandidates
}

// best picks among the candidates: the lowest share (Spread) or the highest
// (Binpack); on a tie, the first node at or after the pod's rotation point
// in name order (Binpack: the first in name order).
func (sr *search) best() int32 {
	s := sr.s
	total := len(s.nodes)
	origin := sr.rotate(total, 0x51ed)
	key := func(n int32) int { return (int(n) - origin + total) % total }
	b := sr.cands[0]
	for _, c := range sr.cands[1:] {
		better := c.share < b.share
		if s.strategy == Binpack {
			better = c.share > b.share
		}
		if better || (c.share == b.share && key(c.node) < key(b.node)) {
			b = c
		}
	}
	return b.node
}

// share is the dominant share of node n's allocatable cpu or memory that
// would be allocated with req placed on it.
func (s *state) share(n int32, req Resources) float64 {
	alloc := s.nodes[n].Allocatable
	free := s.use[n].free
	return max(
		fraction(alloc.MilliCPU-free.MilliCPU+req.MilliCPU, alloc.MilliCPU),
		fraction(alloc.Memory-free.Memory+req.Memory, alloc.Memory),
	)
}

func fraction(used, total int64) float64 {
	if total <= 0 {
		if used > 0 {
			return 1
		}
		return 0
	}
	return float64(used) / float64(total)
}

// mix is the splitmix64 finaliser: it spreads a hash's bits.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
