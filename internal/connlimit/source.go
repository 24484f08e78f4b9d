package connlimit

import (
	"net"
	"net/netip"
	"sync"
)

// sourceCounts counts open connections per source and refuses a source
// its next one once it holds max.
type sourceCounts struct {
	max int
	mu  sync.Mutex
	n   map[netip.Addr]int
}

// take counts one more connection from src, or reports false if src
// already holds max.
func (s *sourceCounts) take(src netip.Addr) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n[src] >= s.max {
		return false
	}
	s.n[src]++
	return true
}

// release forgets one connection from src; a source with none left is
// dropped, so the map holds at most one entry per open connection.
func (s *sourceCounts) release(src netip.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n[src] <= 1 {
		delete(s.n, src)
		return
	}
	s.n[src]--
}

// sourceOf is the source a connection counts against: its IPv4 address,
// or the /64 of its IPv6 address (one host usually holds a whole /64, so
// counting single IPv6 addresses would cap nothing). Addresses that are
// not IP (pipes in tests) share the zero source.
func sourceOf(addr net.Addr) netip.Addr {
	var ip netip.Addr
	switch a := addr.(type) {
	case nil:
	case *net.TCPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	default:
		if ap, err := netip.ParseAddrPort(addr.String()); err == nil {
			ip = ap.Addr()
		}
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return ip
}
