package dnssvc

import (
	"errors"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// expand answers q, which is NXDOMAIN, the way client's resolver would
// end up answering it after walking its search path: a pod with
// "options ndots:5" asks NAME.NS.svc.ZONE first for any name with fewer
// than five dots, then NAME.svc.ZONE, NAME.ZONE and NAME itself, one
// NXDOMAIN round trip each. When q is NAME under the first element of
// client's search path, expand tries the rest here and answers the first
// name that exists with a CNAME from q's name to it followed by its
// records. It returns fromOther to answer q as it is (client is not a
// pod, q is not under its first search element, or nothing was found),
// and needsNetwork when local is set and it would have to ask an
// upstream.
func (h *Handler) expand(r *dns.Msg, q dns.Question, client netip.Addr, local bool) (*dns.Msg, source) {
	search := h.o.SearchPath(client)
	if len(search) == 0 {
		return nil, fromOther
	}
	name := strings.ToLower(dns.Fqdn(q.Name))
	first := search[0]
	if len(name) <= len(first)+1 || !strings.HasSuffix(name, "."+first) {
		return nil, fromOther
	}
	base := q.Name[:len(name)-len(first)] // keeps the client's case and the dot
	for _, s := range search[1:] {
		cand := dns.Question{Name: base + s, Qtype: q.Qtype, Qclass: q.Qclass}
		rep, err := h.lookup.Lookup(cand)
		if !errors.Is(err, ErrNXDomain) && !errors.Is(err, ErrNotOurs) {
			return h.found(r, q, cand.Name, rep, err), fromSearch
		}
	}
	// Last, the name on its own: the cluster zone or the forwarder.
	cand := dns.Question{Name: base, Qtype: q.Qtype, Qclass: q.Qclass}
	rep, err := h.lookup.Lookup(cand)
	switch {
	case errors.Is(err, ErrNotOurs):
		if !h.mayRecurse(client) || h.o.Forward == nil {
			return nil, fromOther
		}
		if local {
			return nil, needsNetwork
		}
		fr := r.Copy()
		fr.Question[0] = cand
		m := h.forward(fr)
		if m.Rcode != dns.RcodeSuccess {
			return nil, fromOther
		}
		m.Question[0] = q
		return h.cname(m, q, cand.Name), fromSearch
	case errors.Is(err, ErrNXDomain):
		return nil, fromOther
	}
	return h.found(r, q, cand.Name, rep, err), fromSearch
}

// found answers r with what the lookup of target gave, behind a CNAME
// from q's name.
func (h *Handler) found(r *dns.Msg, q dns.Question, target string, rep Reply, err error) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	if r.IsEdns0() != nil {
		m.SetEdns0(udpSize(r), false)
	}
	h.fill(m, rep, err)
	return h.cname(m, q, target)
}

// cname puts "q.Name CNAME target" first in m's answer and counts the
// expansion.
func (h *Handler) cname(m *dns.Msg, q dns.Question, target string) *dns.Msg {
	ttl := uint32(DefaultTTL.Seconds())
	for _, sec := range [][]dns.RR{m.Answer, m.Ns} {
		for _, rr := range sec {
			ttl = min(ttl, rr.Header().Ttl)
		}
	}
	c := &dns.CNAME{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeCNAME, Class: dns.ClassINET, Ttl: ttl}, Target: target}
	m.Answer = append([]dns.RR{c}, m.Answer...)
	h.o.Metrics.expanded()
	return m
}
