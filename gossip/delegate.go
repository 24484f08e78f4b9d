package gossip

import (
	"time"

	"github.com/hashicorp/memberlist"
)

// delegate is what memberlist calls into. Its event methods run with
// memberlist's node lock held and one at a time; they copy what they need
// and update the member table without blocking.
type delegate struct{ g *Gossip }

var (
	_ memberlist.Delegate      = (*delegate)(nil)
	_ memberlist.EventDelegate = (*delegate)(nil)
	_ memberlist.PingDelegate  = (*delegate)(nil)
)

// NodeMeta returns this node's encoded meta. UpdateMeta and Validate keep
// it within MetaMaxSize; memberlist panics on anything longer.
func (d *delegate) NodeMeta(limit int) []byte {
	g := d.g
	g.metaMu.RLock()
	b := g.encoded
	g.metaMu.RUnlock()
	if len(b) > limit {
		g.logger.Error("gossip meta over the limit, sending none", "bytes", len(b), "limit", limit)
		return nil
	}
	return b
}

// NotifyMsg, GetBroadcasts, LocalState and MergeRemoteState are unused:
// Shoal gossips nothing but node meta.
func (d *delegate) NotifyMsg([]byte)                {}
func (d *delegate) GetBroadcasts(int, int) [][]byte { return nil }
func (d *delegate) LocalState(bool) []byte          { return nil }
func (d *delegate) MergeRemoteState([]byte, bool)   {}

func (d *delegate) NotifyJoin(n *memberlist.Node) {
	p := d.peer(n)
	d.g.onJoin(p, time.Now())
	if p.name != d.g.cfg.Name {
		d.g.logger.Info("member joined", "member", p.name, "addr", p.addr)
	}
}

func (d *delegate) NotifyUpdate(n *memberlist.Node) {
	d.g.onUpdate(d.peer(n), time.Now())
}

// NotifyLeave is called for both failures and graceful leaves; memberlist
// v0.5.4 leaves n.State at StateAlive either way (memberlist issue #293),
// so the leaving mark in the meta tells them apart.
func (d *delegate) NotifyLeave(n *memberlist.Node) {
	g := d.g
	p := d.peer(n)
	selfLeaving := false
	if p.name == g.cfg.Name {
		g.metaMu.RLock()
		selfLeaving = g.leaving
		g.metaMu.RUnlock()
	}
	status := g.onLeave(p, selfLeaving, time.Now())
	if p.name != g.cfg.Name {
		g.logger.Info("member "+status.String(), "member", p.name, "addr", p.addr)
	}
}

// AckPayload adds nothing to acks.
func (d *delegate) AckPayload() []byte { return nil }

// NotifyPingComplete is called when this node's probe of other was acked.
func (d *delegate) NotifyPingComplete(other *memberlist.Node, _ time.Duration, _ []byte) {
	d.g.markReachable(other.Name, time.Now())
}

// peer copies n and decodes its meta. A meta that does not decode is
// logged and replaced by an empty one: the member stays in the table.
func (d *delegate) peer(n *memberlist.Node) peer {
	p := peer{name: n.Name, addr: n.Addr.String(), port: int(n.Port)}
	m, err := decodeMeta(n.Meta)
	if err != nil {
		d.g.logger.Warn("ignoring member meta", "member", n.Name, "err", err)
	}
	p.meta = m
	return p
}
