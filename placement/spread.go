package placement

import "sort"

// owner is the spread state of one controller's pods: how many of them each
// node and each zone holds, existing pods and this batch's placements
// together. Pods without a controller share one owner that counts nothing.
type owner struct {
	track bool
	// count is the owner's pods per node (absent: none).
	count map[int32]int32
	// nodes lists the nodes with a count, in a deterministic order.
	nodes []int32
	// zoneCount is the owner's pods per zone.
	zoneCount map[int32]int32
	// max is the largest count.
	max int32
	// views are the owner's spread state per class its pods have used.
	views []*view
}

// view is an owner's spread state over one class's eligible nodes. It
// finds the nodes holding the fewest of the owner's pods, in the zones
// holding the fewest, without looking at the others: nodes are kept in
// cells by (zone, level), where a node's level is how many of the owner's
// pods it holds.
//
// Zones where the owner has no pods are not materialised: all their
// eligible nodes are at level 0. The others ("touched") are kept in order
// of how many of the owner's pods they hold.
type view struct {
	o   *owner
	cls *class
	// touched holds the cells of zones where the owner has pods, by index
	// into cls.zones.
	touched map[int32]*zoneCells
	// order lists touched zones by (count, index).
	order []*zoneCells
}

// zoneCells is one touched zone of a view.
type zoneCells struct {
	// czi is the zone's index in the class's zones.
	czi int32
	// count is how many of the owner's pods the zone holds.
	count int32
	// covered is how many of the zone's eligible nodes hold one or more.
	covered int32
	// levels[L] holds the eligible nodes with L of the owner's pods. Level
	// 0 is only kept once materialised (when most nodes are covered);
	// until then it is the class's node list minus covered nodes.
	levels       []cell
	materialised bool
}

// cell is a list of nodes that had one level when added. Nodes move up a
// level, never down, so a node whose count has changed is stale: it is
// skipped when scanned, and dropped when stale entries are the majority.
type cell struct {
	nodes []int32
	stale int32
}

// materialiseMin is the smallest zone whose level 0 is worth listing.
const materialiseMin = 16

func newOwner(track bool, existing []int32) *owner {
	o := &owner{track: track, count: map[int32]int32{}, zoneCount: map[int32]int32{}}
	for _, n := range existing {
		if o.count[n] == 0 {
			o.nodes = append(o.nodes, n)
		}
		o.count[n]++
		o.max = max(o.max, o.count[n])
	}
	sort.Slice(o.nodes, func(i, j int) bool { return o.nodes[i] < o.nodes[j] })
	return o
}

// ownerFor returns the spread state of the owner with key k ("" for none).
func (s *state) ownerFor(k string) *owner {
	if o, ok := s.owners[k]; ok {
		return o
	}
	o := newOwner(k != "", s.existing[k])
	for _, n := range o.nodes {
		o.zoneCount[s.zoneOf[n]] += o.count[n]
	}
	s.owners[k] = o
	return o
}

// viewOf returns o's view over class c, building it on first use.
func (s *state) viewOf(o *owner, c *class) *view {
	for _, v := range o.views {
		if v.cls == c {
			return v
		}
	}
	v := &view{o: o, cls: c, touched: map[int32]*zoneCells{}}
	for _, n := range o.nodes {
		czi, ok := c.zoneIdx[s.zoneOf[n]]
		if !ok {
			continue
		}
		zc := v.touch(czi, o.zoneCount[s.zoneOf[n]])
		if c.has(n) {
			zc.covered++
			zc.push(o.count[n], n)
		}
	}
	sort.Slice(v.order, func(i, j int) bool { return v.order[i].before(v.order[j]) })
	o.views = append(o.views, v)
	return v
}

// touch returns the cells of class zone czi, creating them (unordered) if
// the zone was untouched.
func (v *view) touch(czi, count int32) *zoneCells {
	zc := v.touched[czi]
	if zc == nil {
		zc = &zoneCells{czi: czi, count: count}
		v.touched[czi] = zc
		v.order = append(v.order, zc)
	}
	return zc
}

func (a *zoneCells) before(b *zoneCells) bool {
	if a.count != b.count {
		return a.count < b.count
	}
	return a.czi < b.czi
}

func (zc *zoneCells) push(level int32, n int32) {
	for int32(len(zc.levels)) <= level {
		zc.levels = append(zc.levels, cell{})
	}
	zc.levels[level].nodes = append(zc.levels[level].nodes, n)
}

// record counts a pod of o placed on node n in zone z.
func (o *owner) record(n, z int32) {
	if !o.track {
		return
	}
	k := o.count[n]
	if k == 0 {
		o.nodes = append(o.nodes, n)
	}
	o.count[n] = k + 1
	o.max = max(o.max, k+1)
	o.zoneCount[z]++
	for _, v := range o.views {
		v.moved(n, z, k)
	}
}

// moved updates v after node n in zone z went from level k to k+1.
func (v *view) moved(n, z, k int32) {
	czi, ok := v.cls.zoneIdx[z]
	if !ok {
		return
	}
	zc := v.touched[czi]
	if zc == nil {
		zc = &zoneCells{czi: czi}
		v.touched[czi] = zc
	} else {
		v.remove(zc)
	}
	zc.count++
	v.insert(zc)
	if !v.cls.has(n) {
		return
	}
	if k == 0 {
		zc.covered++
	}
	if k > 0 || zc.materialised {
		zc.levels[k].stale++
	}
	zc.push(k+1, n)
}

// remove takes zc out of v.order, which is sorted.
func (v *view) remove(zc *zoneCells) {
	i := sort.Search(len(v.order), func(i int) bool { return !v.order[i].before(zc) })
	copy(v.order[i:], v.order[i+1:])
	v.order = v.order[:len(v.order)-1]
}

// insert puts zc into v.order at its sorted place.
func (v *view) insert(zc *zoneCells) {
	i := sort.Search(len(v.order), func(i int) bool { return zc.before(v.order[i]) })
	v.order = append(v.order, nil)
	copy(v.order[i+1:], v.order[i:])
	v.order[i] = zc
}

// level0 returns zc's level-0 cell if it is materialised, materialising it
// when most of the zone's nodes are covered (scanning the class's list and
// skipping covered nodes would then waste most of the scan).
func (v *view) level0(zc *zoneCells) (*cell, bool) {
	if zc.materialised {
		return &zc.levels[0], true
	}
	nodes := v.cls.zones[zc.czi].nodes
	if len(nodes) < materialiseMin || int(zc.covered)*2 <= len(nodes) {
		return nil, false
	}
	var c cell
	for _, n := range nodes {
		if v.o.count[n] == 0 {
			c.nodes = append(c.nodes, n)
		}
	}
	// covered > 0, so a node was pushed to level 1 or more: levels[0]
	// exists.
	zc.levels[0] = c
	zc.materialised = true
	return &zc.levels[0], true
}

// compact drops stale entries from cell c at level l once they are the
// majority, keeping the order of the others.
func (v *view) compact(c *cell, l int32) {
	if int(c.stale)*2 <= len(c.nodes) {
		return
	}
	kept := c.nodes[:0]
	for _, n := range c.nodes {
		if v.o.count[n] == l {
			kept = append(kept, n)
		}
	}
	c.nodes, c.stale = kept, 0
}
