package placement

import (
	"sort"
	"strings"
)

// class is the static feasibility stage's result for one pod shape: the
// nodes that pass the filters that do not depend on usage (ready, not
// cordoned, holding the pod's volume, matching its nodeSelector), grouped
// by zone, and how many nodes each of those filters rejected. Pods with the
// same nodeSelector and volume node share a class.
type class struct {
	key string
	// pin is the node a volume-pinned class may use (-1 if that node is
	// unknown or the class is not pinned).
	pin    int32
	pinned bool
	// zones are the zones holding eligible nodes, in zone order; each
	// lists its eligible nodes in name order.
	zones []classZone
	// zoneIdx maps a zone (index into state.zones) to its index in zones.
	zoneIdx map[int32]int32
	// eligible is a bitset of eligible nodes (nil for pinned classes).
	eligible []uint64
	// size is the number of eligible nodes.
	size int
	// rejected counts the nodes each static filter rejected.
	rejected reasonCounts
	// avoided counts eligible nodes with a PreferNoSchedule taint the
	// class's pods do not tolerate.
	avoided int
	// prefVaries is true when the eligible nodes match the class's
	// preferred node affinity with different weights.
	prefVaries bool
}

// classZone is one zone's eligible nodes.
type classZone struct {
	zone  int32
	nodes []int32
}

// has reports whether node n is eligible. Not for pinned classes, which
// have a single candidate and no spread views.
func (c *class) has(n int32) bool {
	return c.eligible[n>>6]&(1<<(uint(n)&63)) != 0
}

// classKey names a pod shape's static filters: its nodeSelector, sorted,
// and its volume node.
func classKey(selector map[string]string, pin string) string {
	if len(selector) == 0 && pin == "" {
		return ""
	}
	keys := make([]string, 0, len(selector))
	for k := range selector {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(pin)
	for _, k := range keys {
		b.WriteByte(0)
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(selector[k])
	}
	return b.String()
}

// classFor returns the class of pods with this spec, computing it on first
// use.
func (s *state) classFor(cs classSpec) *class {
	key := cs.key()
	if c, ok := s.classes[key]; ok {
		return c
	}
	var c *class
	if cs.pin != "" {
		c = s.pinnedClass(cs)
	} else {
		c = s.selectorClass(cs)
	}
	c.key = key
	s.classes[key] = c
	return c
}

// selectorClass evaluates the static filters on every node.
func (s *state) selectorClass(cs classSpec) *class {
	c := &class{
		pin:      -1,
		zoneIdx:  map[int32]int32{},
		eligible: make([]uint64, (len(s.nodes)+63)/64),
	}
	byZone := make([][]int32, len(s.zones))
	var ok []int32
	for i := range s.nodes {
		r := s.staticRejectFor(int32(i), cs.tolerations)
		if r == fits && !matches(s.nodes[i].Labels, cs.selector) {
			r = selectorMismatch
		}
		if r == fits && cs.affinity != nil && !cs.affinity.Matches(s.nodes[i].Name, s.nodes[i].Labels) {
			r = affinityMismatch
		}
		if r == fits && taintReject(&s.nodes[i], cs.tolerations, cs.strict) {
			r = untoleratedTaint
		}
		c.rejected[r]++
		if r == fits {
			ok = append(ok, int32(i))
		}
	}
	// Preferred node affinity: the strict class keeps only the eligible
	// nodes with the highest total weight.
	best, worst := int64(-1), int64(-1)
	if len(cs.preferred) > 0 {
		for _, i := range ok {
			w := preferenceScore(&s.nodes[i], cs.preferred)
			if best < 0 || w > best {
				best = w
			}
			if worst < 0 || w < worst {
				worst = w
			}
		}
		c.prefVaries = best != worst
	}
	for _, i := range ok {
		if cs.strict && len(cs.preferred) > 0 && preferenceScore(&s.nodes[i], cs.preferred) < best {
			continue
		}
		z := s.zoneOf[i]
		byZone[z] = append(byZone[z], i)
		c.eligible[i>>6] |= 1 << (uint(i) & 63)
		c.size++
		if prefersAvoiding(&s.nodes[i], cs.tolerations) {
			c.avoided++
		}
	}
	c.rejected[fits] = 0
	for z, nodes := range byZone {
		if len(nodes) > 0 {
			c.zoneIdx[int32(z)] = int32(len(c.zones))
			c.zones = append(c.zones, classZone{zone: int32(z), nodes: nodes})
		}
	}
	return c
}

// pinnedClass evaluates the static filters for a pod that may only run on
// node pin, in constant time: every other node that is ready, not
// cordoned and without disk pressure is counted as not holding the volume.
func (s *state) pinnedClass(cs classSpec) *class {
	selector, pin := cs.selector, cs.pin
	c := &class{pin: -1, pinned: true, zoneIdx: map[int32]int32{}}
	c.rejected[notReady] = s.rejected[notReady]
	c.rejected[cordoned] = s.rejected[cordoned]
	c.rejected[diskPressure] = s.rejected[diskPressure]
	others := s.rejected[fits] // nodes passing ready, cordon and disk pressure
	n, ok := s.byName[pin]
	if ok && s.staticRejectFor(n, cs.tolerations) == fits {
		if s.staticReject[n] == fits {
			others--
		} else {
			c.rejected[cordoned]-- // cordoned, but the pod tolerates it
		}
		switch {
		case !matches(s.nodes[n].Labels, selector):
			c.rejected[selectorMismatch] = 1
		case cs.affinity != nil && !cs.affinity.Matches(s.nodes[n].Name, s.nodes[n].Labels):
			c.rejected[affinityMismatch] = 1
		case taintReject(&s.nodes[n], cs.tolerations, false):
			c.rejected[untoleratedTaint] = 1
		default:
			c.pin, c.size = n, 1
			c.zoneIdx[s.zoneOf[n]] = 0
			c.zones = []classZone{{zone: s.zoneOf[n], nodes: []int32{n}}}
		}
	}
	c.rejected[volumeElsewhere] = others
	return c
}

// matches reports whether labels hold every key=value of selector.
func matches(labels, selector map[string]string) bool {
	for k, v := range selector {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}
