package gossip

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"time"
)

// The member table: every transition happens here, under g.mu, and emits
// at most the events listed on EventType. The memberlist callbacks
// (delegate.go) and the log sink (logging.go) feed it.

// peer is what the table needs from a memberlist node, copied out of it.
type peer struct {
	name string
	addr string
	port int
	meta wireMeta
}

// onJoin records a member memberlist saw join, or come back after being
// dead or left.
func (g *Gossip) onJoin(p peer, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.join(p, now)
}

// join is onJoin with g.mu held.
func (g *Gossip) join(p peer, now time.Time) {
	r, ok := g.members[p.name]
	if !ok {
		r = &record{}
		g.members[p.name] = r
	}
	r.Name, r.Addr, r.Port, r.Meta, r.leaving = p.name, p.addr, p.port, p.meta.Meta, p.meta.Leaving
	r.Status, r.Since = StatusAlive, now
	g.emit(EventJoin, r.Member)
}

// onUpdate records a member's new meta or address.
func (g *Gossip) onUpdate(p peer, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	r, ok := g.members[p.name]
	if !ok || r.Gone() {
		// Not seen join (cannot happen with memberlist's ordering): treat
		// the update as the join.
		g.join(p, now)
		return
	}
	changed := r.Addr != p.addr || r.Port != p.port || !metaEqual(r.Meta, p.meta.Meta)
	r.Addr, r.Port, r.Meta, r.leaving = p.addr, p.port, p.meta.Meta, p.meta.Leaving
	if r.Status == StatusSuspect {
		// memberlist only passes on alive messages newer than the
		// suspicion, so the member refuted it.
		r.Status, r.Since = StatusAlive, now
		g.emit(EventAlive, r.Member)
	}
	if changed {
		g.emit(EventUpdate, r.Member)
	}
}

// onLeave records a member memberlist declared dead or saw leave and
// returns which it was. selfLeaving is true when p is this node and it
// has called Leave.
func (g *Gossip) onLeave(p peer, selfLeaving bool, now time.Time) Status {
	g.mu.Lock()
	defer g.mu.Unlock()
	r, ok := g.members[p.name]
	if !ok {
		r = &record{Member: Member{Name: p.name, Addr: p.addr, Port: p.port, Meta: p.meta.Meta}}
		g.members[p.name] = r
	}
	typ, status := EventDead, StatusDead
	if r.leaving || p.meta.Leaving || selfLeaving {
		typ, status = EventLeft, StatusLeft
	}
	r.Status, r.Since = status, now
	g.emit(typ, r.Member)
	return status
}

// markSuspect records that this node's probe of name got no ack.
func (g *Gossip) markSuspect(name string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	r, ok := g.members[name]
	if !ok || name == g.cfg.Name || r.Gone() {
		return
	}
	r.suspectUntil = now.Add(g.maxSuspicion())
	if r.Status == StatusSuspect {
		return
	}
	r.Status, r.Since = StatusSuspect, now
	g.emit(EventSuspect, r.Member)
}

// markMissed records that this node's direct probe of name got no ack
// within the probe timeout, before memberlist tries indirect probes.
func (g *Gossip) markMissed(name string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	r, ok := g.members[name]
	if !ok || name == g.cfg.Name || r.Gone() {
		return
	}
	r.Missed = now
	g.emit(EventProbeMissed, r.Member)
}

// markReachable records that this node's probe of name was acked.
func (g *Gossip) markReachable(name string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if r, ok := g.members[name]; ok && r.Status == StatusSuspect {
		r.Status, r.Since = StatusAlive, now
		g.emit(EventAlive, r.Member)
	}
}

// suspicionMaxTimeoutMult is memberlist's SuspicionMaxTimeoutMult (the LAN
// default), set explicitly so that maxSuspicion can rely on it.
const suspicionMaxTimeoutMult = 6

// maxSuspicion is the longest memberlist can keep a member suspect before
// declaring it dead (its suspicionTimeout times SuspicionMaxTimeoutMult),
// plus two probe intervals for the news to arrive. A suspicion older than
// that was refuted. g.mu held.
func (g *Gossip) maxSuspicion() time.Duration {
	n := 0
	for _, r := range g.members {
		if !r.Gone() {
			n++
		}
	}
	scale := math.Max(1, math.Log10(math.Max(1, float64(n))))
	base := time.Duration(float64(g.cfg.SuspicionMult) * scale * float64(g.cfg.ProbeInterval))
	return suspicionMaxTimeoutMult*base + 2*g.cfg.ProbeInterval
}

// tick ends suspicions that memberlist must have resolved by now and
// forgets members gone for longer than DeadRetention.
func (g *Gossip) tick(now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for name, r := range g.members {
		switch {
		case r.Status == StatusSuspect && now.After(r.suspectUntil):
			r.Status, r.Since = StatusAlive, now
			g.emit(EventAlive, r.Member)
		case r.Gone() && now.Sub(r.Since) > g.cfg.DeadRetention:
			delete(g.members, name)
		}
	}
}

// Subscribe returns a channel of member events with buf slots and a
// function that ends the subscription and closes the channel. Sends never
// block: when the channel is full the event is dropped, so a consumer must
// not rely on seeing every event and should reconcile from Members now and
// then. The channel is also closed when Run returns. Events for this node
// (its own join, its meta updates) are included. Treat Member.Meta.Labels
// as read-only: subscribers share it.
func (g *Gossip) Subscribe(buf int) (<-chan Event, func()) {
	ch := make(chan Event, max(buf, 0))
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		close(ch)
		return ch, func() {}
	}
	id := g.nextSub
	g.nextSub++
	g.subs[id] = ch
	return ch, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if c, ok := g.subs[id]; ok {
			delete(g.subs, id)
			close(c)
		}
	}
}

// emit sends an event to every subscriber without blocking. g.mu held.
func (g *Gossip) emit(t EventType, m Member) {
	if g.closed || len(g.subs) == 0 {
		return
	}
	ev := Event{Type: t, Member: m}
	ev.Member.Meta = m.Meta.clone()
	for _, ch := range g.subs {
		select {
		case ch <- ev:
		default: // full: the subscriber misses it and reconciles later
		}
	}
}

// closeSubscribers closes every subscription; later events are dropped.
func (g *Gossip) closeSubscribers() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	for id, ch := range g.subs {
		delete(g.subs, id)
		close(ch)
	}
}

func sortMembers(ms []Member) {
	slices.SortFunc(ms, func(a, b Member) int { return strings.Compare(a.Name, b.Name) })
}

// metaEqual compares metas, treating nil and empty labels as equal.
func metaEqual(a, b Meta) bool {
	if len(a.Labels) == 0 {
		a.Labels = nil
	}
	if len(b.Labels) == 0 {
		b.Labels = nil
	}
	return reflect.DeepEqual(a, b)
}
