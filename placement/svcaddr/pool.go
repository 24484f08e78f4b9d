package svcaddr

import (
	"hash/fnv"
	"net/netip"

	"github.com/shoal-dev/shoal/api"
)

// Dynamic allocation, as Kubernetes does it since KEP-3070 (cluster IPs)
// and KEP-3668 (node ports): a range is split into a small lower band,
// meant for addresses that manifests pin (the DNS service's .10), and the
// upper band that allocation draws from first. Within the upper band
// allocation starts at a point derived from the Service's uid and probes
// upward, so it is deterministic for the same input and yet rarely hands
// a just-freed address to the next Service (stale DNS answers and
// conntrack entries would reach the wrong backends). The lower band is
// used, first free first, only when the upper band is full.

// ipPool tracks the cluster IPs of one pass.
type ipPool struct {
	base netip.Addr
	// size is the number of addresses in the CIDR; offsets 1..size-2 are
	// assignable (not the network or broadcast address).
	size uint64
	// static is where the upper band starts.
	static uint64
	owner  map[uint32]*api.Service
	// full is set once an allocation failed: later ones fail at once.
	full bool
}

func newIPPool(cidr netip.Prefix, hint int) *ipPool {
	size := cidrSize(cidr)
	return &ipPool{
		base:   cidr.Masked().Addr(),
		size:   size,
		static: min(max(16, size/16), 256, size-1),
		owner:  make(map[uint32]*api.Service, hint),
	}
}

// assignable reports whether off may hold a service: inside the CIDR and
// neither its network nor its broadcast address.
func (p *ipPool) assignable(off uint32, ok bool) bool {
	return ok && off >= 1 && uint64(off) <= p.size-2
}

// reserved reports whether allocation skips off.
func reserved(off uint64) bool { return off == APIOffset || off == DNSOffset }

func (p *ipPool) take(off uint32, s *api.Service) { p.owner[off] = s }

// alloc finds a free address for s, or reports false.
func (p *ipPool) alloc(s *api.Service) (netip.Addr, bool) {
	if p.full || p.size < 3 {
		return netip.Addr{}, false
	}
	last := p.size - 2 // highest assignable offset
	if n := last + 1 - p.static; p.static <= last && n > 0 {
		start := seed(s, "") % n
		for i := range n {
			off := p.static + (start+i)%n
			if !reserved(off) && p.owner[uint32(off)] == nil {
				p.take(uint32(off), s)
				return addrAt(p.base, uint32(off)), true
			}
		}
	}
	for off := uint64(1); off < p.static && off <= last; off++ {
		if !reserved(off) && p.owner[uint32(off)] == nil {
			p.take(uint32(off), s)
			return addrAt(p.base, uint32(off)), true
		}
	}
	p.full = true
	return netip.Addr{}, false
}

// portPool tracks the node ports of one protocol in one pass.
type portPool struct {
	r      PortRange
	static int32 // first port of the upper band
	// owner holds node ports and, marked in opened, the ports
	// LoadBalancer services open on the nodes (in range or not).
	owner  map[int32]*api.Service
	opened map[int32]bool
	// blocked are ports allocation skips although no Service holds them
	// as a node port: LoadBalancer service ports inside the range.
	blocked map[int32]bool
	full    bool
}

func newPortPool(r PortRange) *portPool {
	n := int32(r.Size())
	return &portPool{
		r:       r,
		static:  r.Low + min(max(16, n/32), 128, n),
		owner:   map[int32]*api.Service{},
		opened:  map[int32]bool{},
		blocked: map[int32]bool{},
	}
}

func (p *portPool) free(port int32) bool { return p.owner[port] == nil && !p.blocked[port] }

// alloc finds a free node port for port number which of s, or reports
// false.
func (p *portPool) alloc(s *api.Service, which string) (int32, bool) {
	if p.full {
		return 0, false
	}
	if n := int64(p.r.High) - int64(p.static) + 1; n > 0 {
		start := int64(seed(s, which) % uint64(n))
		for i := range n {
			port := p.static + int32((start+i)%n)
			if p.free(port) {
				p.owner[port] = s
				return port, true
			}
		}
	}
	for port := p.r.Low; port < p.static; port++ {
		if p.free(port) {
			p.owner[port] = s
			return port, true
		}
	}
	p.full = true
	return 0, false
}

// seed derives an allocation's starting point from the Service's uid
// (its namespace/name when it has none yet) and which of its ports.
func seed(s *api.Service, which string) uint64 {
	h := fnv.New64a()
	id := s.UID
	if id == "" {
		id = s.Namespace + "/" + s.Name
	}
	_, _ = h.Write([]byte(id))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(which))
	return h.Sum64()
}
