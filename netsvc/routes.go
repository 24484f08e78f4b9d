package netsvc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
	"sigs.k8s.io/knftables"
)

// routeProtocol marks the routes Shoal installs (rtnetlink protocol
// number), so Sync finds and removes only its own.
const routeProtocol netlink.RouteProtocol = 0x5e

// tableName is Shoal's nftables table (family ip).
const tableName = "shoal"

// RouteConfig configures Routes.
type RouteConfig struct {
	ClusterCIDR  string
	ServiceCIDR  string
	LocalPodCIDR string
	Logger       *slog.Logger
}

// Peer is another node's pod network and address.
type Peer struct {
	Name    string
	PodCIDR netip.Prefix
	Addr    netip.Addr
}

// Routes keeps this node's routes to other nodes' pod networks.
type Routes struct {
	cluster, service, local netip.Prefix
	nft                     knftables.Interface
	logger                  *slog.Logger
}

// NewRoutes checks cfg and installs the unreachable routes and the nftables
// table.
func NewRoutes(cfg RouteConfig) (*Routes, error) {
	if cfg.ClusterCIDR == "" {
		cfg.ClusterCIDR = "10.42.0.0/16"
	}
	if cfg.ServiceCIDR == "" {
		cfg.ServiceCIDR = "10.43.0.0/16"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	r := &Routes{logger: cfg.Logger}
	var errs []error
	for _, f := range []struct {
		name string
		v    string
		dst  *netip.Prefix
	}{{"ClusterCIDR", cfg.ClusterCIDR, &r.cluster}, {"ServiceCIDR", cfg.ServiceCIDR, &r.service}, {"LocalPodCIDR", cfg.LocalPodCIDR, &r.local}} {
		p, err := netip.ParsePrefix(f.v)
		if err != nil || !p.Addr().Is4() {
			errs = append(errs, fmt.Errorf("netsvc: %s %q: want an IPv4 CIDR", f.name, f.v))
			continue
		}
		*f.dst = p.Masked()
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	nft, err := knftables.New(knftables.IPv4Family, tableName)
	if err != nil {
		return nil, fmt.Errorf("netsvc: nftables: %w", err)
	}
	r.nft = nft
	if err := r.syncTable(); err != nil {
		return nil, err
	}
	return r, nil
}

// syncTable rebuilds the table in one transaction.
func (r *Routes) syncTable() error {
	tx := r.nft.NewTransaction()
	addBase(tx, r.cluster)
	if err := r.nft.Run(context.Background(), tx); err != nil {
		return fmt.Errorf("netsvc: nftables: %w", err)
	}
	return nil
}

// addBase adds the table's base: masquerade for pods leaving the cluster,
// and forwarding of pod traffic. Later chains (service NAT) go next to it.
func addBase(tx *knftables.Transaction, cluster netip.Prefix) {
	tx.Add(&knftables.Table{Comment: knftables.PtrTo("Shoal pod networking")})
	tx.Flush(&knftables.Table{})
	tx.Add(&knftables.Chain{Name: "postrouting", Type: knftables.PtrTo(knftables.NATType), Hook: knftables.PtrTo(knftables.PostroutingHook), Priority: knftables.PtrTo(knftables.SNATPriority)})
	tx.Add(&knftables.Chain{Name: "forward", Type: knftables.PtrTo(knftables.FilterType), Hook: knftables.PtrTo(knftables.ForwardHook), Priority: knftables.PtrTo(knftables.FilterPriority)})
	c := cluster.String()
	tx.Add(&knftables.Rule{Chain: "postrouting", Rule: knftables.Concat("ip saddr", c, "ip daddr !=", c, "masquerade")})
	tx.Add(&knftables.Rule{Chain: "forward", Rule: knftables.Concat("ip saddr", c, "accept")})
	tx.Add(&knftables.Rule{Chain: "forward", Rule: knftables.Concat("ip daddr", c, "accept")})
}

// Sync makes the routes to peers' pod networks exactly peers.
func (r *Routes) Sync(peers []Peer) error {
	want := map[netip.Prefix]*netlink.Route{}
	for _, p := range []netip.Prefix{r.cluster, r.service} {
		want[p] = &netlink.Route{Dst: ipNet(p), Type: unix.RTN_UNREACHABLE, Protocol: routeProtocol}
	}
	for _, p := range peers {
		if !p.PodCIDR.IsValid() || !p.Addr.Is4() || p.PodCIDR.Masked() == r.local || !r.cluster.Overlaps(p.PodCIDR) {
			continue
		}
		want[p.PodCIDR.Masked()] = &netlink.Route{Dst: ipNet(p.PodCIDR.Masked()), Gw: net.IP(p.Addr.AsSlice()), Protocol: routeProtocol}
	}
	var errs []error
	for _, rt := range want {
		if err := netlink.RouteReplace(rt); err != nil {
			errs = append(errs, fmt.Errorf("netsvc: route %s: %w", rt.Dst, err))
		}
	}
	have, err := r.ours()
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, rt := range have {
		p, ok := prefixOf(rt.Dst)
		if ok && want[p] != nil {
			continue
		}
		if err := netlink.RouteDel(&rt); err != nil {
			errs = append(errs, fmt.Errorf("netsvc: remove route %s: %w", rt.Dst, err))
		}
	}
	return errors.Join(errs...)
}

// ours lists the routes Shoal installed.
func (r *Routes) ours() ([]netlink.Route, error) {
	rs, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Protocol: routeProtocol, Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_PROTOCOL|netlink.RT_FILTER_TABLE)
	if err != nil {
		return nil, fmt.Errorf("netsvc: list routes: %w", err)
	}
	return rs, nil
}

// Close removes Shoal's routes and nftables table.
func (r *Routes) Close() error {
	var errs []error
	have, err := r.ours()
	errs = append(errs, err)
	for _, rt := range have {
		if err := netlink.RouteDel(&rt); err != nil {
			errs = append(errs, fmt.Errorf("netsvc: remove route %s: %w", rt.Dst, err))
		}
	}
	tx := r.nft.NewTransaction()
	tx.Delete(&knftables.Table{})
	if err := r.nft.Run(context.Background(), tx); err != nil && !knftables.IsNotFound(err) {
		errs = append(errs, fmt.Errorf("netsvc: remove nftables table: %w", err))
	}
	return errors.Join(errs...)
}

func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), 32)}
}

func prefixOf(n *net.IPNet) (netip.Prefix, bool) {
	if n == nil {
		return netip.Prefix{}, false
	}
	a, ok := netip.AddrFromSlice(n.IP.To4())
	if !ok {
		return netip.Prefix{}, false
	}
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(a, ones).Masked(), true
}
