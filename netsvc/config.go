package netsvc

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
)

// Defaults for RouteConfig.
const (
	DefaultClusterCIDR = "10.42.0.0/16"
	DefaultServiceCIDR = "10.43.0.0/16"
)

// RouteConfig configures Routes.
type RouteConfig struct {
	// ClusterCIDR holds every node's pod network; default 10.42.0.0/16.
	ClusterCIDR string
	// ServiceCIDR holds the services' virtual IPs; default 10.43.0.0/16.
	ServiceCIDR string
	// LocalPodCIDR is this node's pod network (on the bridge), inside
	// ClusterCIDR; a peer claiming it is ignored.
	LocalPodCIDR string
	// Logger receives route changes; default slog.Default().
	Logger *slog.Logger
}

// routeConfig is a checked RouteConfig.
type routeConfig struct {
	cluster, service, local netip.Prefix
	logger                  *slog.Logger
}

// Validate checks cfg (after defaults) without touching the machine; each
// error names the field.
func (cfg RouteConfig) Validate() error {
	_, err := cfg.parse()
	return err
}

func (cfg RouteConfig) parse() (routeConfig, error) {
	if cfg.ClusterCIDR == "" {
		cfg.ClusterCIDR = DefaultClusterCIDR
	}
	if cfg.ServiceCIDR == "" {
		cfg.ServiceCIDR = DefaultServiceCIDR
	}
	rc := routeConfig{logger: cfg.Logger}
	if rc.logger == nil {
		rc.logger = slog.Default()
	}
	var errs []error
	for _, f := range []struct {
		name, v string
		dst     *netip.Prefix
	}{
		{"ClusterCIDR", cfg.ClusterCIDR, &rc.cluster},
		{"ServiceCIDR", cfg.ServiceCIDR, &rc.service},
		{"LocalPodCIDR", cfg.LocalPodCIDR, &rc.local},
	} {
		p, err := parseV4Prefix(f.name, f.v)
		*f.dst = p
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return routeConfig{}, err
	}
	if rc.cluster.Overlaps(rc.service) {
		errs = append(errs, fmt.Errorf("netsvc: ServiceCIDR %s overlaps ClusterCIDR %s", rc.service, rc.cluster))
	}
	if !rc.cluster.Contains(rc.local.Addr()) || rc.local.Bits() <= rc.cluster.Bits() {
		errs = append(errs, fmt.Errorf("netsvc: LocalPodCIDR %s: want a network inside ClusterCIDR %s", rc.local, rc.cluster))
	}
	return rc, errors.Join(errs...)
}

// peerProblem says why p cannot be routed to, or "" if it can.
func (rc routeConfig) peerProblem(p Peer) string {
	switch {
	case !p.PodCIDR.IsValid() || !p.PodCIDR.Addr().Is4() || p.PodCIDR.Masked() != p.PodCIDR:
		return fmt.Sprintf("pod CIDR %s is not an IPv4 network", p.PodCIDR)
	case !rc.cluster.Contains(p.PodCIDR.Addr()) || p.PodCIDR.Bits() <= rc.cluster.Bits():
		return fmt.Sprintf("pod CIDR %s is not inside the cluster CIDR %s", p.PodCIDR, rc.cluster)
	case p.PodCIDR.Overlaps(rc.local):
		return fmt.Sprintf("pod CIDR %s overlaps this node's %s", p.PodCIDR, rc.local)
	case !p.Addr.Is4() || !p.Addr.IsGlobalUnicast():
		return fmt.Sprintf("address %s is not a unicast IPv4 address", p.Addr)
	case rc.cluster.Contains(p.Addr) || rc.service.Contains(p.Addr):
		return fmt.Sprintf("address %s is inside the cluster or service CIDR", p.Addr)
	}
	return ""
}

// parseV4Prefix parses the IPv4 CIDR v of the field name.
func parseV4Prefix(name, v string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(v)
	switch {
	case err != nil || !p.Addr().Is4():
		return netip.Prefix{}, fmt.Errorf("netsvc: %s %q: want an IPv4 CIDR like 10.42.0.0/16", name, v)
	case p.Masked() != p:
		return netip.Prefix{}, fmt.Errorf("netsvc: %s %q: host bits set, did you mean %s?", name, v, p.Masked())
	case p.Bits() == 0:
		return netip.Prefix{}, fmt.Errorf("netsvc: %s %q: covers every address", name, v)
	}
	return p, nil
}
