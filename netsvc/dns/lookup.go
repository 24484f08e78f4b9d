package dnssvc

import (
	"errors"
	"strings"

	"github.com/miekg/dns"
)

// Sentinel errors of a lookup; the Handler maps them to rcodes in one
// switch.
var (
	// ErrNotOurs: the name is outside the cluster zone and the reverse
	// zones; someone else (a forwarder) must answer it.
	ErrNotOurs = errors.New("name is not in a cluster zone")
	// ErrNXDomain: the name does not exist (Reply.Ns holds the SOA).
	ErrNXDomain = errors.New("name does not exist")
	// ErrNoData: the name exists without records of the asked type
	// (Reply.Ns holds the SOA).
	ErrNoData = errors.New("name has no records of that type")
)

// Lookup answers one question about cluster names.
type Lookup interface {
	// Lookup returns the records for q. Owner names of answers keep q's
	// case. With ErrNXDomain or ErrNoData the Reply carries the SOA for
	// the authority section; with ErrNotOurs it is empty.
	Lookup(q dns.Question) (Reply, error)
}

// Reply is the sections of an answer.
type Reply struct {
	Answer []dns.RR
	Ns     []dns.RR
	Extra  []dns.RR
}

var _ Lookup = (*Zone)(nil)

// Lookup implements Lookup over the snapshot.
func (z *Zone) Lookup(q dns.Question) (Reply, error) {
	name := strings.ToLower(dns.Fqdn(q.Name))
	apex := z.apexOf(name)
	if apex == "" {
		return Reply{}, ErrNotOurs
	}
	n, ok := z.names[name]
	if !ok {
		return Reply{Ns: []dns.RR{z.soa(apex)}}, ErrNXDomain
	}
	var r Reply
	owner := dns.Fqdn(q.Name)
	if n.cname != "" {
		r.Answer = append(r.Answer, &dns.CNAME{Hdr: z.hdr(owner, dns.TypeCNAME), Target: n.cname})
		return r, nil
	}
	all := q.Qtype == dns.TypeANY
	if name == apex && (all || q.Qtype == dns.TypeSOA) {
		soa := z.soa(apex)
		soa.Hdr.Name = owner
		r.Answer = append(r.Answer, soa)
	}
	if name == apex && (all || q.Qtype == dns.TypeNS) {
		r.Answer = append(r.Answer, &dns.NS{Hdr: z.hdr(owner, dns.TypeNS), Ns: "ns.dns." + z.apex})
		for _, ip := range z.names["ns.dns."+z.apex].a {
			r.Extra = append(r.Extra, &dns.A{Hdr: z.hdr("ns.dns."+z.apex, dns.TypeA), A: ip.AsSlice()})
		}
	}
	if all || q.Qtype == dns.TypeA {
		for _, ip := range n.a {
			r.Answer = append(r.Answer, &dns.A{Hdr: z.hdr(owner, dns.TypeA), A: ip.AsSlice()})
		}
	}
	if all || q.Qtype == dns.TypeSRV {
		weight := uint16(100)
		if len(n.srv) > 1 {
			weight = uint16(max(1, 100/len(n.srv)))
		}
		seen := map[string]bool{}
		for _, s := range n.srv {
			r.Answer = append(r.Answer, &dns.SRV{Hdr: z.hdr(owner, dns.TypeSRV), Priority: 0, Weight: weight, Port: s.port, Target: s.target})
			if seen[s.target] {
				continue
			}
			seen[s.target] = true
			if t, ok := z.names[s.target]; ok {
				for _, ip := range t.a {
					r.Extra = append(r.Extra, &dns.A{Hdr: z.hdr(s.target, dns.TypeA), A: ip.AsSlice()})
				}
			}
		}
	}
	if all || q.Qtype == dns.TypePTR {
		for _, t := range n.ptr {
			r.Answer = append(r.Answer, &dns.PTR{Hdr: z.hdr(owner, dns.TypePTR), Ptr: t})
		}
	}
	if all || q.Qtype == dns.TypeTXT {
		if len(n.txt) > 0 {
			r.Answer = append(r.Answer, &dns.TXT{Hdr: z.hdr(owner, dns.TypeTXT), Txt: n.txt})
		}
	}
	if len(r.Answer) == 0 {
		return Reply{Ns: []dns.RR{z.soa(apex)}}, ErrNoData
	}
	return r, nil
}

func (z *Zone) hdr(owner string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: owner, Rrtype: t, Class: dns.ClassINET, Ttl: z.cfg.ttl()}
}

// soa is the SOA of apex; its minimum (the negative-caching TTL) is the
// TTL.
func (z *Zone) soa(apex string) *dns.SOA {
	return &dns.SOA{
		Hdr:     z.hdr(apex, dns.TypeSOA),
		Ns:      "ns.dns." + z.apex,
		Mbox:    "hostmaster." + z.apex,
		Serial:  z.serial,
		Refresh: 7200,
		Retry:   1800,
		Expire:  86400,
		Minttl:  z.cfg.ttl(),
	}
}
