package svcaddr

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/shoal-dev/shoal/api"
)

// Reserved offsets in the service CIDR. Allocate never hands them out,
// but a manifest may ask for them by address: the DNS service of the
// next issue asks for DNSOffset.
const (
	// APIOffset (.1 of 10.43.0.0/16) is kept free for a future in-cluster
	// API service, like Kubernetes' `kubernetes` service.
	APIOffset = 1
	// DNSOffset (.10 of 10.43.0.0/16) is the cluster DNS service's
	// well-known address, as in Kubernetes distributions.
	DNSOffset = 10
)

// MinServiceCIDRSize is the smallest service CIDR accepted by Validate:
// /28, which holds the reserved .1 and .10 and a few services.
const MinServiceCIDRSize = 28

// PortRange is an inclusive range of node ports.
type PortRange struct {
	// Low and High are the first and last port, 1-65535, Low <= High.
	Low, High int32
}

// DefaultNodePortRange is Kubernetes' default node-port range.
var DefaultNodePortRange = PortRange{Low: 30000, High: 32767}

// ParsePortRange reads "LOW-HIGH" (or a single port "P") and validates it
// (see api.ParsePortRange, the one parser of port ranges).
func ParsePortRange(s string) (PortRange, error) {
	low, high, err := api.ParsePortRange(s)
	if err != nil {
		return PortRange{}, err
	}
	return PortRange{Low: low, High: high}, nil
}

// Validate checks that both ends are 1-65535 and Low <= High.
func (r PortRange) Validate() error {
	switch {
	case r.Low < 1 || r.Low > 65535 || r.High < 1 || r.High > 65535:
		return fmt.Errorf("both ends must be 1-65535, got %d-%d", r.Low, r.High)
	case r.Low > r.High:
		return fmt.Errorf("low end %d is above high end %d", r.Low, r.High)
	}
	return nil
}

// Contains reports whether p is in the range.
func (r PortRange) Contains(p int32) bool { return p >= r.Low && p <= r.High }

// Size is how many ports the range holds.
func (r PortRange) Size() int { return int(r.High-r.Low) + 1 }

func (r PortRange) String() string { return fmt.Sprintf("%d-%d", r.Low, r.High) }

// Config is what Allocate and Admit allocate from.
type Config struct {
	// ServiceCIDR holds the cluster IPs (IPv4).
	ServiceCIDR netip.Prefix
	// NodePorts is the node-port range.
	NodePorts PortRange
	// Reserved are ports the agents themselves listen on, on every node's
	// addresses, keyed "TCP/7948", each saying whose it is ("the Shoal
	// API"). A LoadBalancer may not open them and no node port is one of
	// them: the service's DNAT would take the agents' own traffic (a
	// LoadBalancer on the Raft port would cut every node off the cluster).
	Reserved map[string]string
}

// reserved says whose port proto/port is, or "" if it is free for
// services.
func (c Config) reserved(proto api.Protocol, port int32) string {
	if proto == "" {
		proto = api.ProtocolTCP
	}
	return c.Reserved[string(proto)+"/"+strconv.Itoa(int(port))]
}

// Validate checks the CIDR (IPv4, /28 or larger) and the port range.
func (c Config) Validate() error {
	var errs []error
	switch p := c.ServiceCIDR; {
	case !p.IsValid() || !p.Addr().Is4():
		errs = append(errs, fmt.Errorf("service CIDR %s: want an IPv4 CIDR like 10.43.0.0/16", p))
	case p.Bits() > MinServiceCIDRSize:
		errs = append(errs, fmt.Errorf("service CIDR %s: too small, want /%d or larger (offsets .%d and .%d are reserved)", p, MinServiceCIDRSize, APIOffset, DNSOffset))
	}
	if err := c.NodePorts.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("node-port range %s: %w", c.NodePorts, err))
	}
	return errors.Join(errs...)
}

// DNSIP is the cluster DNS service's well-known address in cidr
// (offset DNSOffset), or the zero Addr if cidr is too small.
func DNSIP(cidr netip.Prefix) netip.Addr { return offsetAddr(cidr, DNSOffset) }

// APIIP is the address kept for a future in-cluster API service (offset
// APIOffset), or the zero Addr if cidr is too small.
func APIIP(cidr netip.Prefix) netip.Addr { return offsetAddr(cidr, APIOffset) }

func offsetAddr(cidr netip.Prefix, off uint32) netip.Addr {
	if !cidr.IsValid() || !cidr.Addr().Is4() || uint64(off) >= cidrSize(cidr)-1 {
		return netip.Addr{}
	}
	return addrAt(cidr.Masked().Addr(), off)
}

// cidrSize is the number of addresses of an IPv4 prefix.
func cidrSize(p netip.Prefix) uint64 { return 1 << (32 - p.Bits()) }

func addrAt(base netip.Addr, off uint32) netip.Addr {
	b := base.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v += off
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// offsetOf is addr's offset in p; ok is false when addr is not in p.
func offsetOf(p netip.Prefix, addr netip.Addr) (uint32, bool) {
	if !addr.Is4() || !p.Contains(addr) {
		return 0, false
	}
	a, b := addr.As4(), p.Masked().Addr().As4()
	av := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	bv := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	return av - bv, true
}
