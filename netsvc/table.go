package netsvc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	"sigs.k8s.io/knftables"
)

// TableConfig configures Table.
type TableConfig struct {
	// ClusterCIDR holds every node's pod network; default 10.42.0.0/16.
	ClusterCIDR string
	// ServiceCIDR holds the services' virtual IPs; default 10.43.0.0/16.
	ServiceCIDR string
	// Logger receives what the table skips and its conntrack clean-ups;
	// default slog.Default().
	Logger *slog.Logger
	// ProtectedPorts are this node's agent ports (gossip, Raft, API): no
	// service gets them as a node port, or as a port on its external or
	// load-balancer addresses (which are the nodes' own), so a manifest
	// cannot take over the agents' traffic. Other nodes' ports are not
	// known here: agents of one cluster should use the same ports.
	ProtectedPorts []uint16
}

// Table is the one owner of the nftables table "ip shoal": the pod
// network's masquerade and forward rules, and every service's NAT (see
// docs/services.md, "Data plane"). Its methods are safe for concurrent
// use; they act on the network namespace of the calling thread.
type Table struct {
	cluster, service netip.Prefix
	protected        map[uint16]bool
	logger           *slog.Logger
	base             base

	mu        sync.Mutex
	nft       knftables.Interface // made by the first Sync; a fake in unit tests
	conntrack func(...netlink.CustomConntrackFilter) (uint, error)
	bridgeNF  bool // make bridged pod traffic pass through nftables
	synced    bool // the table holds have and elems; false: next Sync rebuilds it whole
	have      map[string]*built
	elems     map[elemKey]string
	staleUDP  *udpFlows                    // a conntrack clean-up that failed, retried by the next Sync
	trace     func(*knftables.Transaction) // tests: sees each transaction
}

// NewTable checks cfg. It changes nothing: Sync writes the table.
func NewTable(cfg TableConfig) (*Table, error) {
	if cfg.ClusterCIDR == "" {
		cfg.ClusterCIDR = DefaultClusterCIDR
	}
	if cfg.ServiceCIDR == "" {
		cfg.ServiceCIDR = DefaultServiceCIDR
	}
	cluster, err1 := parseV4Prefix("ClusterCIDR", cfg.ClusterCIDR)
	service, err2 := parseV4Prefix("ServiceCIDR", cfg.ServiceCIDR)
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	if cluster.Overlaps(service) {
		return nil, fmt.Errorf("netsvc: ServiceCIDR %s overlaps ClusterCIDR %s", service, cluster)
	}
	t := &Table{cluster: cluster, service: service, logger: cfg.Logger, base: baseTable(cluster, service), bridgeNF: true}
	if t.logger == nil {
		t.logger = slog.Default()
	}
	for _, p := range cfg.ProtectedPorts {
		if t.protected == nil {
			t.protected = map[uint16]bool{}
		}
		t.protected[p] = true
	}
	t.conntrack = func(f ...netlink.CustomConntrackFilter) (uint, error) {
		return netlink.ConntrackDeleteFilters(netlink.ConntrackTable, netlink.FAMILY_V4, f...)
	}
	return t, nil
}

// Resync makes the next Sync rebuild the whole table in one transaction,
// as the first one does: run it now and again so a rule changed behind
// Shoal's back is put right.
func (t *Table) Resync() {
	t.mu.Lock()
	t.synced = false
	t.mu.Unlock()
}

// Sync makes the table program services. The first Sync, the one after a
// failure and the one after Resync rewrite the whole table; the others
// change only what differs from the last Sync: a Service Equal to the one
// programmed before costs nothing, a changed one rewrites its own chains
// and map elements, a removed one loses all of them. An incremental
// transaction that fails (the table was changed behind Shoal's back) is
// followed at once by a full one. Each transaction is atomic, so packets
// see the table before or after it, never half of it. Parts of a Service that cannot be programmed (see
// Service) are logged and left out; two services claiming the same
// address and port: the first by namespace/name wins. After a successful
// Sync, conntrack entries of removed UDP endpoints are deleted, and so are
// those to a UDP service port that had no endpoints and now has some.
func (t *Table) Sync(ctx context.Context, services []Service) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.ensureNFT(); err != nil {
		return err
	}
	start := time.Now()
	next := t.build(services)
	elems := t.wantedElems(next)
	full := !t.synced
	tx := t.nft.NewTransaction()
	if full {
		if t.bridgeNF {
			t.ensureBridgeNF()
		}
		if err := t.fullTx(ctx, tx, next, elems); err != nil {
			return err
		}
	} else {
		t.incrementalTx(tx, next, elems)
	}
	if t.trace != nil {
		t.trace(tx)
	}
	built := time.Now()
	if tx.NumOperations() > 0 {
		err := t.nft.Run(ctx, tx)
		if err != nil && !full {
			// The table is not what the last Sync left (changed behind
			// Shoal's back?): rebuild it whole.
			t.logger.Warn("incremental nftables sync failed: rewriting the table", "error", err)
			tx = t.nft.NewTransaction()
			if err = t.fullTx(ctx, tx, next, elems); err == nil {
				err = t.nft.Run(ctx, tx)
			}
		}
		if err != nil {
			t.synced = false
			return fmt.Errorf("netsvc: write nftables table %s (%d operations): %w", tableName, tx.NumOperations(), err)
		}
	}
	t.logger.Debug("nftables synced", "full", full, "services", len(next), "operations", tx.NumOperations(),
		"build_seconds", built.Sub(start).Seconds(), "write_seconds", time.Since(built).Seconds())
	old := t.have
	t.have, t.elems, t.synced = next, elems, true
	if old == nil {
		return nil // first Sync: what came before is unknown
	}
	return t.cleanConntrack(old, next)
}

// build works out every service, reusing what was built for a Service
// Equal to the last one.
func (t *Table) build(services []Service) map[string]*built {
	next := make(map[string]*built, len(services))
	for _, s := range services {
		k := s.Namespace + "/" + s.Name
		if _, dup := next[k]; dup {
			t.logger.Warn("service listed twice: first kept", "service", k)
			continue
		}
		if old := t.have[k]; old != nil && old.svc.Equal(s) {
			next[k] = old
			continue
		}
		b := buildService(t.cluster, t.service, t.protected, s)
		if len(b.skipped) > 0 {
			t.logger.Warn("service partly skipped", "service", k, "reasons", strings.Join(b.skipped, "; "))
		}
		next[k] = b
	}
	return next
}

// wantedElems is every map element, the first service by name winning a
// key claimed twice.
func (t *Table) wantedElems(next map[string]*built) map[elemKey]string {
	keys := make([]string, 0, len(next))
	for k := range next {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := map[elemKey]string{}
	owner := map[elemKey]string{}
	for _, k := range keys {
		for _, e := range next[k].elems {
			if o, taken := owner[e.id()]; taken {
				if o != k && t.have[k] != next[k] { // log once, when the service changes
					t.logger.Warn("service address taken by another service", "service", k, "key", e.key, "owner", o)
				}
				continue
			}
			owner[e.id()], out[e.id()] = k, e.val
		}
	}
	return out
}

// ensureBridgeNF turns on bridge-nf-call-iptables in this namespace when
// the kernel has it: without it a reply from a pod to a pod on the same
// bridge skips conntrack and is never un-DNATed.
func (t *Table) ensureBridgeNF() {
	const path = "/proc/sys/net/bridge/bridge-nf-call-iptables"
	b, err := os.ReadFile(path)
	switch {
	case err != nil:
		t.logger.Warn("br_netfilter is not loaded: a pod reaching a service whose endpoint is on its own node may hang", "error", err)
	case strings.TrimSpace(string(b)) != "1":
		if err := os.WriteFile(path, []byte("1"), 0o644); err != nil {
			t.logger.Warn("cannot turn on bridge-nf-call-iptables", "error", err)
		}
	}
}

// Exists reports whether the table is already in the kernel, as an agent
// that restarts finds it: its rules still carry the service traffic, so
// the agent must not rewrite it from a replica that is behind.
func (t *Table) Exists(ctx context.Context) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.ensureNFT(); err != nil {
		return false, err
	}
	if _, err := t.nft.List(ctx, "chains"); err != nil {
		if knftables.IsNotFound(err) {
			return false, nil
		}
		return false, fmt.Errorf("netsvc: list nftables table %s: %w", tableName, err)
	}
	return true, nil
}

// ensureNFT makes the nftables client on first use. The caller holds mu.
func (t *Table) ensureNFT() error {
	if t.nft != nil {
		return nil
	}
	nft, err := knftables.New(knftables.IPv4Family, tableName)
	if err != nil {
		return fmt.Errorf("netsvc: nftables: %w", err)
	}
	t.nft = nft
	return nil
}

// Close deletes the table; nil if it is not there.
func (t *Table) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.ensureNFT(); err != nil {
		return err
	}
	tx := t.nft.NewTransaction()
	tx.Delete(&knftables.Table{})
	if err := t.nft.Run(context.Background(), tx); err != nil && !knftables.IsNotFound(err) {
		return fmt.Errorf("netsvc: delete nftables table %s: %w", tableName, err)
	}
	t.synced, t.have, t.elems, t.staleUDP = false, nil, nil, nil
	return nil
}
