package forward

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"
)

var _ dns.Handler = (*Forwarder)(nil)

// Forwarder resolves names by asking upstream resolvers, caching what they
// say. It is safe for concurrent use.
type Forwarder struct {
	cfg       Config
	upstreams []*upstream
	domains   map[string][]*upstream // fully qualified, lower-case
	cache     *cache
	flights   singleflight.Group
	log       *slog.Logger
	now       func() time.Time

	stats struct {
		hits, misses, upstreamQueries, upstreamFailures, servfails atomic.Uint64
	}
	joined atomic.Int64         // callers that joined a flight; tests wait on it
	rtt    prometheus.Histogram // nil without Config.Registerer
}

// Stats counts what a Forwarder did since it was made.
type Stats struct {
	// CacheHits and CacheMisses count questions answered from the cache or
	// not.
	CacheHits, CacheMisses uint64
	// UpstreamQueries counts attempts at an upstream; UpstreamFailures those
	// that got no answer.
	UpstreamQueries, UpstreamFailures uint64
	// ServFails counts questions no upstream answered.
	ServFails uint64
	// CacheEntries is how many answers the cache holds now.
	CacheEntries int
}

// New checks c and makes a Forwarder; it does no I/O.
func New(c Config) (*Forwarder, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("dns forwarder config: %w", err)
	}
	c = c.withDefaults()
	f := &Forwarder{
		cfg:     c,
		domains: make(map[string][]*upstream, len(c.Domains)),
		cache:   newCache(c.CacheSize),
		log:     c.Logger,
		now:     time.Now,
	}
	// One upstream value per address, so a failure and the bound on
	// outstanding questions count across domains.
	byAddr := map[string]*upstream{}
	list := func(addrs []string) []*upstream {
		out := make([]*upstream, 0, len(addrs))
		for _, a := range addrs {
			ap, _ := ParseUpstream(a) // checked by Validate
			u, ok := byAddr[ap.String()]
			if !ok {
				u = newUpstream(ap, c)
				byAddr[ap.String()] = u
			}
			out = append(out, u)
		}
		return out
	}
	f.upstreams = list(c.Upstreams)
	for d, addrs := range c.Domains {
		f.domains[dns.CanonicalName(d)] = list(addrs)
	}
	if c.Registerer != nil {
		if err := f.register(c.Registerer); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// Stats returns the counters of f.
func (f *Forwarder) Stats() Stats {
	return Stats{
		CacheHits:        f.stats.hits.Load(),
		CacheMisses:      f.stats.misses.Load(),
		UpstreamQueries:  f.stats.upstreamQueries.Load(),
		UpstreamFailures: f.stats.upstreamFailures.Load(),
		ServFails:        f.stats.servfails.Load(),
		CacheEntries:     f.cache.len(),
	}
}

// ServeDNS answers r on w and truncates the answer (setting TC) when it does
// not fit the client's UDP buffer: 512 bytes, or what its EDNS0 option says.
func (f *Forwarder) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	reply, err := f.Resolve(context.Background(), r)
	if err != nil {
		reply = new(dns.Msg).SetRcode(r, dns.RcodeServerFailure)
	}
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		size := dns.MinMsgSize
		if opt := r.IsEdns0(); opt != nil {
			size = max(int(opt.UDPSize()), dns.MinMsgSize)
		}
		reply.Truncate(size)
	}
	if err := w.WriteMsg(reply); err != nil {
		f.log.Debug("dns reply", "client", w.RemoteAddr().String(), "error", err)
	}
}

// Resolve answers one question. The reply carries the question's ID and
// name exactly as asked; it is never truncated (ServeDNS does that per
// transport). A question no upstream answers gets SERVFAIL, not an error;
// the error is ctx's when the caller gives up first.
func (f *Forwarder) Resolve(ctx context.Context, req *dns.Msg) (*dns.Msg, error) {
	if req.Opcode != dns.OpcodeQuery {
		return new(dns.Msg).SetRcode(req, dns.RcodeNotImplemented), nil
	}
	if len(req.Question) != 1 {
		return new(dns.Msg).SetRcode(req, dns.RcodeFormatError), nil
	}
	q := req.Question[0]
	key := cacheKey{name: strings.ToLower(dns.Fqdn(q.Name)), qtype: q.Qtype, qclass: q.Qclass, cd: req.CheckingDisabled}
	if opt := req.IsEdns0(); opt != nil {
		key.do = opt.Do()
	}
	if e, ok := f.cache.get(key, f.now()); ok {
		f.stats.hits.Add(1)
		return f.reply(req, e.msg, f.now().Sub(e.stored)), nil
	}
	f.stats.misses.Add(1)
	ch := f.flights.DoChan(key.string(), func() (any, error) {
		return f.ask(key), nil
	})
	f.joined.Add(1)
	select {
	case res := <-ch:
		return f.reply(req, res.Val.(*dns.Msg), 0), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("resolve %s: %w", q.Name, ctx.Err())
	}
}

// ask sends the question of key to its upstreams in turn, caches the answer
// and returns it: SERVFAIL when none answers. It runs once per flight, on its
// own deadline, so one caller giving up does not fail the others.
func (f *Forwarder) ask(key cacheKey) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(key.name, key.qtype)
	m.Question[0].Qclass = key.qclass
	m.CheckingDisabled = key.cd
	m.SetEdns0(upstreamUDPSize, key.do)

	ups := f.order(f.route(key.name))
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(len(ups))*f.cfg.Timeout)
	defer cancel()
	for _, u := range ups {
		f.stats.upstreamQueries.Add(1)
		start := time.Now()
		r, err := u.exchange(ctx, m, f.cfg.Timeout)
		if f.rtt != nil && err != errBusy {
			f.rtt.Observe(time.Since(start).Seconds())
		}
		if err == nil && r.Rcode != dns.RcodeServerFailure && r.Rcode != dns.RcodeRefused {
			if ttl := cacheTTL(r, f.cfg.MinTTL, f.cfg.MaxTTL); ttl > 0 {
				now := f.now()
				capNegativeTTL(r, ttl)
				f.cache.put(&entry{key: key, msg: r, stored: now, expires: now.Add(ttl)})
			}
			return r
		}
		f.stats.upstreamFailures.Add(1)
		if err == nil {
			err = fmt.Errorf("answered %s", dns.RcodeToString[r.Rcode])
		}
		if err != errBusy {
			u.fail(f.now(), f.cfg.DownFor)
		}
		f.log.Debug("dns upstream failed", "upstream", u.addr, "name", key.name, "error", err)
	}
	f.stats.servfails.Add(1)
	f.log.Debug("dns no upstream answered", "name", key.name, "tried", len(ups))
	return new(dns.Msg).SetRcode(m, dns.RcodeServerFailure)
}

// route picks the upstreams of the longest stub domain that name is in, or
// the default ones.
func (f *Forwarder) route(name string) []*upstream {
	if len(f.domains) == 0 {
		return f.upstreams
	}
	for off, end := 0, false; !end; off, end = dns.NextLabel(name, off) {
		if ups, ok := f.domains[name[off:]]; ok {
			return ups
		}
	}
	return f.upstreams
}

// order puts the upstreams that failed lately after the others, keeping
// the configured order within each group.
func (f *Forwarder) order(ups []*upstream) []*upstream {
	now := f.now()
	out := make([]*upstream, 0, len(ups))
	var down []*upstream
	for _, u := range ups {
		if u.down(now) {
			down = append(down, u)
		} else {
			out = append(out, u)
		}
	}
	return append(out, down...)
}

// reply makes the client's copy of an upstream answer: its ID, its question
// as spelt, TTLs less age, and an EDNS0 option only when the client sent one.
func (f *Forwarder) reply(req, upstream *dns.Msg, age time.Duration) *dns.Msg {
	r := upstream.Copy()
	r.Id = req.Id
	r.Question = []dns.Question{req.Question[0]}
	r.Response = true
	r.RecursionDesired = req.RecursionDesired
	r.Truncated = false
	r.Extra = stripOPT(r.Extra)
	if age > 0 {
		sec := uint32(age / time.Second)
		for _, sec2 := range [][]dns.RR{r.Answer, r.Ns, r.Extra} {
			for _, rr := range sec2 {
				h := rr.Header()
				h.Ttl = h.Ttl - min(h.Ttl, sec)
			}
		}
	}
	if opt := req.IsEdns0(); opt != nil {
		r.SetEdns0(upstreamUDPSize, opt.Do())
	}
	return r
}

func stripOPT(rrs []dns.RR) []dns.RR {
	out := rrs[:0]
	for _, rr := range rrs {
		if _, ok := rr.(*dns.OPT); !ok {
			out = append(out, rr)
		}
	}
	return out
}

// capNegativeTTL lowers the TTL of the SOA in a negative answer to how long
// the answer is cached, as RFC 2308 section 3 asks.
func capNegativeTTL(r *dns.Msg, ttl time.Duration) {
	if len(r.Answer) > 0 {
		return
	}
	if soa := negativeSOA(r); soa != nil {
		soa.Hdr.Ttl = min(soa.Hdr.Ttl, uint32(ttl/time.Second))
	}
}
