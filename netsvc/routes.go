package netsvc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// RouteProtocol is the rtnetlink protocol number on every route Routes
// installs (`ip route show proto 94`), so it finds and removes only its
// own. It is unassigned in iproute2's rt_protos.
const RouteProtocol netlink.RouteProtocol = 94

// Peer is another node's pod network and the address that reaches it.
type Peer struct {
	Name    string
	PodCIDR netip.Prefix
	Addr    netip.Addr
}

// Routes keeps this node's routes to other nodes' pod networks, an
// unreachable route for the cluster range and a route into lo for the
// service range (so this node's own processes can open connections to
// service IPs, which Table DNATs on the way out, and anything Table does
// not DNAT goes nowhere). Its methods are safe for concurrent use; they act on the network
// namespace of the calling thread.
type Routes struct {
	cfg routeConfig

	mu      sync.Mutex
	skipped map[string]string // peer → why it was skipped, to log changes only
}

// NewRoutes checks cfg. It changes nothing: Sync installs.
func NewRoutes(cfg RouteConfig) (*Routes, error) {
	rc, err := cfg.parse()
	if err != nil {
		return nil, err
	}
	return &Routes{cfg: rc}, nil
}

// route is one route Routes wants: a gateway, the loopback device (lo),
// or neither for unreachable.
type route struct {
	dst netip.Prefix
	gw  netip.Addr
	lo  bool
}

func (rt route) String() string {
	switch {
	case rt.gw.IsValid():
		return rt.dst.String() + " via " + rt.gw.String()
	case rt.lo:
		return rt.dst.String() + " dev lo"
	}
	return "unreachable " + rt.dst.String()
}

func (rt route) netlink() (*netlink.Route, error) {
	nr := &netlink.Route{Dst: ipNet(rt.dst), Protocol: RouteProtocol, Table: unix.RT_TABLE_MAIN}
	switch {
	case rt.gw.IsValid():
		nr.Gw = net.IP(rt.gw.AsSlice())
	case rt.lo:
		lo, err := netlink.LinkByName("lo")
		if err != nil {
			return nil, fmt.Errorf("find lo: %w", err)
		}
		nr.LinkIndex, nr.Scope = lo.Attrs().Index, netlink.SCOPE_LINK
	default:
		nr.Type = unix.RTN_UNREACHABLE
	}
	return nr, nil
}

// Sync makes this node's routes match peers: one route per peer's pod
// network via its address, an unreachable route for the cluster range, a
// route into lo for the service range, and (only when iptables' FORWARD policy is
// DROP) accept rules for pod traffic there. Peers that are invalid, claim this
// node's pod network or repeat another's are skipped. Routes it installed
// for peers no longer listed are removed. Sync is idempotent; it returns
// every failure joined, after doing all it could.
func (r *Routes) Sync(peers []Peer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx := context.Background()
	var errs []error
	if err := r.syncForward(ctx); err != nil {
		errs = append(errs, err)
	}
	want := r.wanted(peers)
	have, err := ours()
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, rt := range want {
		if _, ok := have[rt]; ok {
			delete(have, rt)
			continue
		}
		nr, err := rt.netlink()
		if err == nil {
			err = netlink.RouteReplace(nr)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("netsvc: route %s: %w", rt, err))
			continue
		}
		r.cfg.logger.Info("route added", "route", rt.String())
	}
	for rt, nr := range have {
		if slices.ContainsFunc(want, func(w route) bool { return w.dst == rt.dst }) {
			continue // replaced above
		}
		if err := netlink.RouteDel(&nr); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("netsvc: remove route %s: %w", rt, err))
			continue
		}
		r.cfg.logger.Info("route removed", "route", rt.String())
	}
	return errors.Join(errs...)
}

// wanted lists the routes for peers, sorted, logging skipped peers when
// the reason is new.
func (r *Routes) wanted(peers []Peer) []route {
	want := []route{{dst: r.cfg.cluster}, {dst: r.cfg.service, lo: true}}
	taken := map[netip.Prefix]string{}
	skipped := map[string]string{}
	for _, p := range peers {
		why := r.cfg.peerProblem(p)
		if why == "" {
			for dst, other := range taken {
				if dst.Overlaps(p.PodCIDR) {
					why = fmt.Sprintf("pod CIDR %s overlaps peer %s's %s", p.PodCIDR, other, dst)
					break
				}
			}
		}
		if why != "" {
			skipped[p.Name] = why
			if r.skipped[p.Name] != why && p.PodCIDR != r.cfg.local {
				r.cfg.logger.Warn("peer skipped", "peer", p.Name, "reason", why)
			}
			continue
		}
		taken[p.PodCIDR] = p.Name
		want = append(want, route{dst: p.PodCIDR, gw: p.Addr})
	}
	r.skipped = skipped
	slices.SortFunc(want, func(a, b route) int { return a.dst.Addr().Compare(b.dst.Addr()) })
	return want
}

// ours lists the routes in the main table that carry RouteProtocol.
func ours() (map[route]netlink.Route, error) {
	rs, err := netlink.RouteListFiltered(netlink.FAMILY_V4,
		&netlink.Route{Protocol: RouteProtocol, Table: unix.RT_TABLE_MAIN},
		netlink.RT_FILTER_PROTOCOL|netlink.RT_FILTER_TABLE)
	if err != nil {
		return nil, fmt.Errorf("netsvc: list routes: %w", err)
	}
	out := make(map[route]netlink.Route, len(rs))
	for _, nr := range rs {
		rt := route{dst: prefixOf(nr.Dst)}
		if gw, ok := netip.AddrFromSlice(nr.Gw.To4()); ok && nr.Gw != nil {
			rt.gw = gw
		} else if l, err := netlink.LinkByIndex(nr.LinkIndex); err == nil && nr.Type == unix.RTN_UNICAST && l.Attrs().Name == "lo" {
			rt.lo = true
		} else if nr.Type != unix.RTN_UNREACHABLE {
			rt.gw = netip.IPv4Unspecified() // ours but unlike anything we make: never matches
		}
		out[rt] = nr
	}
	return out, nil
}

// Close removes every route Routes installed and its iptables FORWARD
// rules.
func (r *Routes) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	have, err := ours()
	if err != nil {
		errs = append(errs, err)
	}
	for rt, nr := range have {
		if err := netlink.RouteDel(&nr); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("netsvc: remove route %s: %w", rt, err))
		}
	}
	if err := r.deleteForward(context.Background()); err != nil {
		errs = append(errs, err)
	}
	r.skipped = nil
	return errors.Join(errs...)
}

func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), 32)}
}

// prefixOf converts a route destination; nil (default route) is 0.0.0.0/0.
func prefixOf(n *net.IPNet) netip.Prefix {
	if n == nil {
		return netip.PrefixFrom(netip.IPv4Unspecified(), 0)
	}
	a, _ := netip.AddrFromSlice(n.IP.To4())
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(a, ones).Masked()
}
