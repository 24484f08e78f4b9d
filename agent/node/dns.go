package node

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/shoal-dev/shoal/gossip"
	dnssvc "github.com/shoal-dev/shoal/netsvc/dns"
	"github.com/shoal-dev/shoal/netsvc/dns/forward"
)

// DNSConfig is how this node serves cluster names.
type DNSConfig struct {
	// Addr is the host-side listener, "IP:PORT"; "" turns it off. Pods
	// are always served on their bridge's gateway, port 53.
	Addr string
	// TTL is every cluster record's TTL; 0 means dnssvc.DefaultTTL.
	TTL time.Duration
	// Upstreams take every name outside the cluster zones; none means
	// the host's resolvers (forward.HostUpstreams).
	Upstreams []string
	// Domains forward a domain to its own resolvers (stub domains).
	Domains map[string][]string
	// Log logs every query.
	Log bool
}

// PodDNSPort is the port of the DNS server on the pod bridge's gateway,
// which pods' resolv.conf names.
const PodDNSPort = 53

// peerRefresh is how often the addresses of the nodes allowed to recurse
// are read from gossip.
const peerRefresh = 2 * time.Second

// dnsServer is this node's DNS: the cluster names, the forwarder and the
// handler every listener shares.
type dnsServer struct {
	names   *dnssvc.Names
	handler *dnssvc.Handler
	recurse recursionACL
}

// newDNS makes the DNS server from the agreed settings; it does no I/O
// beyond reading the host's resolv.conf.
func (n *Node) newDNS(s Settings) (*dnsServer, error) {
	c := n.cfg.DNS
	var reverse []netip.Prefix
	for _, cidr := range []string{s.ServiceCIDR, s.ClusterCIDR} {
		p, err := netip.ParsePrefix(cidr)
		if err != nil {
			return nil, fmt.Errorf("dns: %w", err)
		}
		reverse = append(reverse, p.Masked())
	}
	var nsIPs []netip.Addr
	if ip, err := netip.ParseAddr(n.cfg.AdvertiseAddr); err == nil && ip.Is4() {
		nsIPs = append(nsIPs, ip)
	}
	names, err := dnssvc.NewNames(dnssvc.Config{Zone: s.ClusterDomain, TTL: c.TTL, ReverseCIDRs: reverse, NameserverIPs: nsIPs},
		n.cfg.View, n.log.With("component", "dns"))
	if err != nil {
		return nil, err
	}
	d := &dnsServer{names: names, recurse: recursionACL{prefixes: append([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, reverse...)}}
	d.recurse.nodes.Store(&map[netip.Addr]bool{})
	fwd, err := n.newForwarder()
	if err != nil {
		return nil, err
	}
	metrics, err := dnssvc.NewMetrics(n.cfg.Registry)
	if err != nil {
		return nil, err
	}
	o := dnssvc.Options{
		Recursion:  d.recurse.allowed,
		SearchPath: names.SearchPath,
		Metrics:    metrics,
		Logger:     n.log.With("component", "dns"),
	}
	if fwd != nil {
		o.Forward = fwd
	}
	if c.Log {
		o.QueryLog = n.log.With("component", "dns")
	}
	d.handler = dnssvc.NewHandler(names, o)
	return d, nil
}

// newForwarder makes the forwarder of names outside the cluster, or nil
// when there is no upstream at all (those names are then REFUSED).
func (n *Node) newForwarder() (*forward.Forwarder, error) {
	c := n.cfg.DNS
	ups := c.Upstreams
	if len(ups) == 0 {
		host, err := forward.HostUpstreams()
		if err != nil {
			n.log.Warn("dns: no upstream resolvers (none given with --dns-upstream, none read from the host); names outside the cluster get REFUSED", "err", err)
		}
		ups = host
	}
	if len(ups) == 0 && len(c.Domains) == 0 {
		return nil, nil
	}
	f, err := forward.New(forward.Config{
		Upstreams:  ups,
		Domains:    c.Domains,
		Logger:     n.log.With("component", "dns-forward"),
		Registerer: n.cfg.Registry,
	})
	if err != nil {
		return nil, fmt.Errorf("dns: %w", err)
	}
	n.log.Info("dns forwarding", "upstreams", ups, "domains", len(c.Domains))
	return f, nil
}

// runDNS serves cluster names on the host-side address (if any) until ctx
// ends, and keeps the names and the recursion ACL current.
func (n *Node) runDNS(ctx context.Context, d *dnsServer) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return d.names.Run(ctx) })
	g.Go(func() error { return d.recurse.follow(ctx, n.cfg.Gossip) })
	if srv := n.cfg.Listeners.DNS; srv != nil {
		n.log.Info("dns serving", "addr", srv.Addr())
		g.Go(func() error { return srv.Serve(ctx, d.handler) })
	}
	return g.Wait()
}

// servePodDNS serves d to pods on the bridge gateway until ctx ends.
func (n *Node) servePodDNS(ctx context.Context, d *dnsServer, gateway netip.Addr) error {
	addr := net.JoinHostPort(gateway.String(), fmt.Sprint(PodDNSPort))
	srv, err := dnssvc.Listen(addr)
	if err != nil {
		return fmt.Errorf("dns for pods: %w", err)
	}
	n.log.Info("dns serving pods", "addr", srv.Addr())
	return srv.Serve(ctx, d.handler)
}

// recursionACL says who may have names outside the cluster forwarded:
// loopback, the cluster and service CIDRs, and the nodes of the cluster,
// so the host-side listener is no open resolver for amplification.
type recursionACL struct {
	prefixes []netip.Prefix
	nodes    atomic.Pointer[map[netip.Addr]bool]
}

func (r *recursionACL) allowed(client netip.Addr) bool {
	for _, p := range r.prefixes {
		if p.Contains(client) {
			return true
		}
	}
	return (*r.nodes.Load())[client]
}

// follow keeps the node addresses current from gossip until ctx ends.
func (r *recursionACL) follow(ctx context.Context, g Gossip) error {
	t := time.NewTicker(peerRefresh)
	defer t.Stop()
	for {
		nodes := map[netip.Addr]bool{}
		for _, m := range g.Members() {
			if ip, err := netip.ParseAddr(m.Addr); err == nil && m.Status != gossip.StatusLeft {
				nodes[ip.Unmap()] = true
			}
		}
		r.nodes.Store(&nodes)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
