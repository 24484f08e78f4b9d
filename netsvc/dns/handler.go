package dnssvc

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/miekg/dns"
)

// maxUDPSize caps the EDNS0 buffer size we advertise and honour.
const maxUDPSize = 4096

// Defaults of Options.
const (
	// DefaultForwardTimeout bounds how long one forwarded question may
	// hold its handler.
	DefaultForwardTimeout = 5 * time.Second
	// DefaultMaxForwarding bounds the forwarded questions in flight at
	// once; past it a question gets SERVFAIL at once, so a flood of
	// external names to a slow upstream cannot pile up goroutines.
	DefaultMaxForwarding = 2048
)

// Forwarder answers names outside the cluster zones (netsvc/dns/forward).
type Forwarder interface {
	// Resolve answers req (never truncated); the error is ctx's.
	Resolve(ctx context.Context, req *dns.Msg) (*dns.Msg, error)
}

// Options are what a Handler does beyond the cluster names.
type Options struct {
	// Forward answers names that are not ours; nil answers REFUSED.
	Forward Forwarder
	// Recursion says whether client may have names forwarded; nil lets
	// everyone. Cluster names are answered to anyone.
	Recursion func(client netip.Addr) bool
	// SearchPath returns client's resolv.conf search path when client is
	// a pod, nil otherwise: a name that is NXDOMAIN under the first
	// element is then tried under the others and on its own, and the
	// first that exists is answered with a CNAME from the name asked (as
	// CoreDNS's autopath), saving the pod the round trips. nil turns
	// this off.
	SearchPath func(client netip.Addr) []string
	// ForwardTimeout bounds one forwarded question; 0 means
	// DefaultForwardTimeout.
	ForwardTimeout time.Duration
	// MaxForwarding bounds forwarded questions in flight; 0 means
	// DefaultMaxForwarding.
	MaxForwarding int
	// Metrics, if set, counts queries.
	Metrics *Metrics
	// QueryLog, if set, gets one Info record per query.
	QueryLog *slog.Logger
	// Logger receives failures; nil discards them.
	Logger *slog.Logger
}

// Handler is a dns.Handler: it checks the query, answers cluster names
// from a Lookup, expands pods' search paths, forwards the rest to those
// allowed to recurse, and maps the lookup's sentinel errors to rcodes.
type Handler struct {
	lookup Lookup
	o      Options
	slots  chan struct{} // forwarded questions in flight
	cache  *wireCache    // packed answers to UDP queries
}

var _ dns.Handler = (*Handler)(nil)

// NewHandler returns a Handler answering from l.
func NewHandler(l Lookup, o Options) *Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ForwardTimeout <= 0 {
		o.ForwardTimeout = DefaultForwardTimeout
	}
	if o.MaxForwarding <= 0 {
		o.MaxForwarding = DefaultMaxForwarding
	}
	return &Handler{lookup: l, o: o, slots: make(chan struct{}, o.MaxForwarding), cache: newWireCache()}
}

// ServeDNS answers r on w. Only standard queries with one IN question are
// answered; anything else gets FORMERR or NOTIMP. UDP answers larger than
// the client's buffer are truncated with TC set.
func (h *Handler) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	start := time.Now()
	client := clientAddr(w.RemoteAddr())
	m := h.Reply(r, client)
	if m == nil {
		return
	}
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		m.Truncate(int(udpSize(r)))
	} else {
		m.Truncate(dns.MaxMsgSize) // a huge headless service must still pack
	}
	if err := w.WriteMsg(m); err != nil {
		h.o.Logger.Debug("write dns reply", "err", err)
	}
	h.observe(r, m, client, time.Since(start))
}

// Answer is Reply to a client whose address is unknown (no search path).
func (h *Handler) Answer(r *dns.Msg) *dns.Msg { return h.Reply(r, netip.Addr{}) }

// Reply builds the reply to r from client (the zero Addr when unknown):
// cluster names, search-path expansion and forwarding. nil when r is a
// response, which is dropped. It does not truncate.
func (h *Handler) Reply(r *dns.Msg, client netip.Addr) *dns.Msg {
	m, _ := h.reply(r, client, false)
	return m
}

// source says what an answer came from, and so for whom and how long a
// packed copy of it may be reused.
type source uint8

const (
	// fromOther: errors and refusals; not reused.
	fromOther source = iota
	// fromZone: the cluster zone; the same for every client until the
	// zone changes (negative answers differ for pods, see expand).
	fromZone
	// fromSearch: a pod's search path; only for that client.
	fromSearch
	// fromForward: an upstream; for clients that may recurse, for as long
	// as its TTLs allow.
	fromForward
	// needsNetwork: local was set and the answer needs an upstream; m is
	// nil.
	needsNetwork
)

// reply is Reply, also saying where the answer came from. With local set
// it never waits for an upstream: it returns needsNetwork instead.
func (h *Handler) reply(r *dns.Msg, client netip.Addr, local bool) (*dns.Msg, source) {
	if r.Response {
		return nil, fromOther
	}
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	opt := r.IsEdns0()
	if opt != nil {
		m.SetEdns0(udpSize(r), false)
		if opt.Version() != 0 {
			m.Rcode = dns.RcodeBadVers
			m.Authoritative = false
			return m, fromOther
		}
	}
	switch {
	case r.Opcode != dns.OpcodeQuery:
		return fail(m, dns.RcodeNotImplemented), fromOther
	case len(r.Question) != 1:
		return fail(m, dns.RcodeFormatError), fromOther
	case r.Question[0].Qclass != dns.ClassINET:
		return fail(m, dns.RcodeNotImplemented), fromOther
	case r.Question[0].Qtype == dns.TypeAXFR || r.Question[0].Qtype == dns.TypeIXFR:
		return fail(m, dns.RcodeNotImplemented), fromOther
	}
	q := r.Question[0]
	rep, err := h.lookup.Lookup(q)
	if errors.Is(err, ErrNXDomain) && h.o.SearchPath != nil && client.IsValid() {
		if found, src := h.expand(r, q, client, local); src != fromOther {
			return found, src
		}
	}
	if errors.Is(err, ErrNotOurs) && h.o.Forward != nil && h.mayRecurse(client) {
		if local {
			return nil, needsNetwork
		}
		return h.forward(r), fromForward
	}
	if errors.Is(err, ErrNotOurs) {
		h.o.Metrics.refused()
	}
	h.fill(m, rep, err)
	if m.Rcode == dns.RcodeSuccess || m.Rcode == dns.RcodeNameError {
		return m, fromZone
	}
	return m, fromOther
}

// fill puts a lookup's answer and rcode into m.
func (h *Handler) fill(m *dns.Msg, rep Reply, err error) {
	m.Answer, m.Ns = rep.Answer, rep.Ns
	m.Extra = append(rep.Extra, m.Extra...)
	switch {
	case err == nil, errors.Is(err, ErrNoData):
		m.Rcode = dns.RcodeSuccess
	case errors.Is(err, ErrNXDomain):
		m.Rcode = dns.RcodeNameError
	case errors.Is(err, ErrNotOurs):
		m.Rcode = dns.RcodeRefused
		m.Authoritative = false
	default:
		h.o.Logger.Warn("dns lookup", "name", m.Question[0].Name, "err", err)
		m.Rcode = dns.RcodeServerFailure
		m.Authoritative = false
	}
}

// forward asks the forwarder about r; the caller checked that there is
// one and that the client may recurse. It answers SERVFAIL when too many
// questions are in flight or the upstreams do not answer in time.
func (h *Handler) forward(r *dns.Msg) *dns.Msg {
	select {
	case h.slots <- struct{}{}:
	default:
		h.o.Metrics.overloaded()
		return servfail(r)
	}
	defer func() { <-h.slots }()
	ctx, cancel := context.WithTimeout(context.Background(), h.o.ForwardTimeout)
	defer cancel()
	m, err := h.o.Forward.Resolve(ctx, r)
	if err != nil {
		h.o.Logger.Debug("dns forward", "name", r.Question[0].Name, "err", err)
		return servfail(r)
	}
	m.RecursionAvailable = true
	return m
}

// mayRecurse reports whether client may have names forwarded.
func (h *Handler) mayRecurse(client netip.Addr) bool {
	return h.o.Recursion == nil || (client.IsValid() && h.o.Recursion(client))
}

func servfail(r *dns.Msg) *dns.Msg {
	m := new(dns.Msg).SetRcode(r, dns.RcodeServerFailure)
	m.RecursionAvailable = true
	if opt := r.IsEdns0(); opt != nil {
		m.SetEdns0(udpSize(r), false)
	}
	return m
}

func fail(m *dns.Msg, rcode int) *dns.Msg {
	m.Rcode = rcode
	m.Authoritative = false
	return m
}

// udpSize is the largest UDP reply the client of r accepts: its EDNS0
// buffer size (at least 512, at most maxUDPSize), or 512.
func udpSize(r *dns.Msg) uint16 {
	if opt := r.IsEdns0(); opt != nil {
		return min(max(opt.UDPSize(), dns.MinMsgSize), maxUDPSize)
	}
	return dns.MinMsgSize
}

// clientAddr is the IP of a client's address, or the zero Addr.
func clientAddr(a net.Addr) netip.Addr {
	var ip net.IP
	switch a := a.(type) {
	case *net.UDPAddr:
		ip = a.IP
	case *net.TCPAddr:
		ip = a.IP
	default:
		return netip.Addr{}
	}
	addr, _ := netip.AddrFromSlice(ip)
	return addr.Unmap()
}
