package netsvc

import (
	"fmt"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// udpFlows matches the UDP conntrack entries that would keep a client on
// a stale path. UDP has no connection to end: without this, a client that
// keeps sending from the same port stays on its conntrack entry (to an
// endpoint that is gone, or to the refusal from when there was none)
// until the entry times out.
type udpFlows struct {
	// answeredBy: entries DNATed to these removed endpoints.
	answeredBy map[netip.AddrPort]bool
	// to: entries to these service addresses that were not DNATed.
	to map[netip.AddrPort]bool
	// nodePorts: entries to these node ports that were not DNATed.
	nodePorts map[uint16]bool
}

func (f *udpFlows) empty() bool {
	return len(f.answeredBy) == 0 && len(f.to) == 0 && len(f.nodePorts) == 0
}

// MatchConntrackFlow implements netlink.CustomConntrackFilter.
func (f *udpFlows) MatchConntrackFlow(fl *netlink.ConntrackFlow) bool {
	if fl.Forward.Protocol != unix.IPPROTO_UDP {
		return false
	}
	dst := addrPort(fl.Forward.DstIP, fl.Forward.DstPort)
	replier := addrPort(fl.Reverse.SrcIP, fl.Reverse.SrcPort)
	if dst != replier {
		return f.answeredBy[replier]
	}
	return f.to[dst] || f.nodePorts[dst.Port()]
}

func addrPort(ip net.IP, port uint16) netip.AddrPort {
	a, _ := netip.AddrFromSlice(ip)
	return netip.AddrPortFrom(a.Unmap(), port)
}

// staleUDP compares the UDP ports of the services that changed between
// old and next.
func staleUDP(old, next map[string]*built) *udpFlows {
	f := &udpFlows{answeredBy: map[netip.AddrPort]bool{}, to: map[netip.AddrPort]bool{}, nodePorts: map[uint16]bool{}}
	for k, ob := range old {
		nb := next[k]
		if nb == ob {
			continue
		}
		for id, ou := range ob.udp {
			var nu udpPort
			if nb != nil {
				nu = nb.udp[id]
			}
			for _, ep := range ou.endpoints {
				if !slices.Contains(nu.endpoints, ep) {
					f.answeredBy[ep] = true
				}
			}
		}
	}
	for k, nb := range next {
		ob := old[k]
		if nb == ob || ob == nil {
			continue // a new service had no entries to go stale
		}
		for id, nu := range nb.udp {
			ou, ok := ob.udp[id]
			if !ok || len(ou.endpoints) > 0 || len(nu.endpoints) == 0 {
				continue
			}
			for _, a := range nu.dsts {
				f.to[netip.AddrPortFrom(a, nu.port)] = true
			}
			if nu.nodePort != 0 {
				f.nodePorts[nu.nodePort] = true
			}
		}
	}
	return f
}

// cleanConntrack deletes the stale UDP entries after a Sync from old to
// next, and those of an earlier clean-up that failed: the table no longer
// holds what made them stale, so only a retry deletes them.
func (t *Table) cleanConntrack(old, next map[string]*built) error {
	f := staleUDP(old, next)
	if p := t.staleUDP; p != nil {
		f.merge(p, next)
	}
	if f.empty() {
		t.staleUDP = nil
		return nil
	}
	n, err := t.conntrack(f)
	if err != nil {
		t.staleUDP = f
		return fmt.Errorf("netsvc: delete stale UDP conntrack entries: %w", err)
	}
	t.staleUDP = nil
	if n > 0 {
		t.logger.Info("stale UDP conntrack entries deleted", "entries", n)
	}
	return nil
}

// merge adds what p matches to f, but for endpoints that next sends to
// again (their flows are live).
func (f *udpFlows) merge(p *udpFlows, next map[string]*built) {
	live := map[netip.AddrPort]bool{}
	for _, b := range next {
		for _, u := range b.udp {
			for _, ep := range u.endpoints {
				live[ep] = true
			}
		}
	}
	for ep := range p.answeredBy {
		if !live[ep] {
			f.answeredBy[ep] = true
		}
	}
	maps.Copy(f.to, p.to)
	maps.Copy(f.nodePorts, p.nodePorts)
}

// String lists what f matches, for logs and tests.
func (f *udpFlows) String() string {
	var parts []string
	if len(f.answeredBy) > 0 {
		parts = append(parts, fmt.Sprintf("answeredBy %v", slices.SortedFunc(maps.Keys(f.answeredBy), netip.AddrPort.Compare)))
	}
	if len(f.to) > 0 {
		parts = append(parts, fmt.Sprintf("to %v", slices.SortedFunc(maps.Keys(f.to), netip.AddrPort.Compare)))
	}
	if len(f.nodePorts) > 0 {
		parts = append(parts, fmt.Sprintf("nodePorts %v", slices.Sorted(maps.Keys(f.nodePorts))))
	}
	return strings.Join(parts, " ")
}
