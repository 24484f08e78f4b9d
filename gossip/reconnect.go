package gossip

import (
	"context"
	"math/rand/v2"
	"net"
	"strconv"
	"sync/atomic"
	"time"
)

// Reconnecting to the dead. memberlist gossips to a dead member for 30 s
// only, so after a longer partition neither side ever contacts the other
// again and both keep listing the other as dead, although each is alive.
// Like Serf, a node therefore tries now and then to join one member it
// lists as dead (not left: a member that left chose to): if that machine
// answers, the push/pull exchange tells each side the other declared it
// dead, both refute with a new incarnation, and both become alive again
// everywhere.

// reconnectUntil tries, every ReconnectInterval until ctx ends, to join
// one random dead member, with at most one attempt in flight (an attempt
// to an unreachable machine waits for memberlist's TCP timeout).
func (g *Gossip) reconnectUntil(ctx context.Context) {
	t := time.NewTicker(g.cfg.ReconnectInterval)
	defer t.Stop()
	var busy atomic.Bool
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		addr, name, ok := g.pickDead()
		if !ok || !busy.CompareAndSwap(false, true) {
			continue
		}
		go func() {
			defer busy.Store(false)
			if _, err := g.Join([]string{addr}); err != nil {
				g.logger.Debug("reconnect to a dead member failed", "member", name, "addr", addr, "err", err)
				return
			}
			g.logger.Info("reconnected to a member listed as dead", "member", name, "addr", addr)
		}()
	}
}

// pickDead returns the gossip address of a random member this node lists
// as dead, if any.
func (g *Gossip) pickDead() (addr, name string, ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var dead []Member
	for _, r := range g.members {
		if r.Status == StatusDead && r.Name != g.cfg.Name && r.Addr != "" && r.Port != 0 {
			dead = append(dead, r.Member)
		}
	}
	if len(dead) == 0 {
		return "", "", false
	}
	m := dead[rand.IntN(len(dead))]
	return net.JoinHostPort(m.Addr, strconv.Itoa(m.Port)), m.Name, true
}
