package agent

import (
	"context"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/gossip"
)

// runPeerRecorder keeps DATA_DIR/peers.json up to date with the gossip
// addresses of alive members, for rejoining after a restart.
func (a *Agent) runPeerRecorder(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case <-a.ready:
	}
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	var last []string
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		var peers []string
		for _, m := range a.gossip.Members() {
			if m.Status == gossip.StatusAlive && m.Name != a.cfg.Name {
				peers = append(peers, net.JoinHostPort(m.Addr, strconv.Itoa(m.Port)))
			}
		}
		if len(peers) == 0 || slices.Equal(peers, last) {
			continue
		}
		if err := savePeers(a.cfg.DataDir, peers); err != nil {
			a.logger.Warn("record peers", "err", err)
			continue
		}
		last = peers
	}
}
