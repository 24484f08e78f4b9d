package node

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/shoal-dev/shoal/netsvc"
)

// Timing of the service data plane on a node.
const (
	// tableResyncInterval is how often the whole nftables table is
	// rewritten, putting right what someone changed behind Shoal's back.
	// Incremental syncs in between touch only what changed.
	tableResyncInterval = 15 * time.Minute
)

// newServiceTable makes the owner of this node's nftables table from the
// cluster-wide settings; it does no I/O.
func (n *Node) newServiceTable(s Settings) (*netsvc.Table, error) {
	table, err := netsvc.NewTable(netsvc.TableConfig{
		ClusterCIDR:    s.ClusterCIDR,
		ServiceCIDR:    s.ServiceCIDR,
		ProtectedPorts: n.cfg.AgentPorts,
		Logger:         n.log.With("component", "services"),
	})
	if err != nil {
		return nil, fmt.Errorf("service table: %w", err)
	}
	return table, nil
}

// waitCaughtUp waits for the replica to catch up before the first service
// sync, and reports false if ctx ended. A node whose table survived an
// agent restart keeps waiting as long as it takes (its rules carry the
// traffic meanwhile, and a replica that is behind, say while quorum is
// lost, would remove the rules of services created since its snapshot); a
// new node waits caughtUpTimeout at most, then programs what it has.
func (n *Node) waitCaughtUp(ctx context.Context, table *netsvc.Table) bool {
	exists, err := table.Exists(ctx)
	if err != nil {
		n.log.Warn("cannot tell whether the service table exists; treating it as new", "err", err)
	}
	return n.awaitCaughtUp(ctx, "services", exists)
}

// runServices keeps this node's service NAT (and the pod network's
// masquerade, which lives in the same table) in step with the replica.
// The table stays when the agent stops, so service traffic flows across
// an agent restart; only leaving the cluster removes it (Stop).
func (n *Node) runServices(ctx context.Context, table *netsvc.Table) error {
	if !n.waitCaughtUp(ctx, table) {
		return nil
	}
	proxy, err := netsvc.NewProxy(netsvc.ProxyConfig{
		Node:       n.cfg.Name,
		View:       n.cfg.View,
		Programmer: table,
		Logger:     n.log.With("component", "proxy"),
		Registerer: n.cfg.Registry,
	})
	if err != nil {
		return fmt.Errorf("service proxy: %w", err)
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return proxy.Run(ctx) })
	g.Go(func() error {
		tick := time.NewTicker(tableResyncInterval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-tick.C:
				table.Resync() // the proxy's next periodic sync rewrites it whole
			}
		}
	})
	return g.Wait()
}
