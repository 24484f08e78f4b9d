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
	return &Handler{lookup: l, o: o, slots: make(chan struct{}, o.MaxForwarding)}
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

// Answer builds the reply to r from the cluster names alone, as to a
// client that may not recurse; nil when r is a response (dropped). It
// does not truncate.
func (h *Handler) Answer(r *dns.Msg) *dns.Msg { return h.Reply(r, netip.Addr{}) }

// Reply builds the reply to r from client (the zero Addr when unknown):
// cluster names, search-path expansion and forwarding. nil when r is a
// response, which is dropped. It does not truncate.
func (h *Handler) Reply(r *dns.Msg, client netip.Addr) *dns.Msg {
	if r.Response {
		return nil
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
			return m
		}
	}
	switch {
	case r.Opcode != dns.OpcodeQuery:
		return fail(m, dns.RcodeNotImplemented)
	case len(r.Question) != 1:
		return fail(m, dns.RcodeFormatError)
	case r.Question[0].Qclass != dns.ClassINET:
		return fail(m, dns.RcodeNotImplemented)
	case r.Question[0].Qtype == dns.TypeAXFR || r.Question[0].Qtype == dns.TypeIXFR:
		return fail(m, dns.RcodeNotImplemented)
	}
	q := r.Question[0]
	rep, err := h.lookup.Lookup(q)
	if errors.Is(err, ErrNXDomain) && h.o.SearchPath != nil && client.IsValid() {
		if found := h.expand(r, q, client); found != nil {
			return found
		}
	}
	if errors.Is(err, ErrNotOurs) {
		if fwd := h.forward(r, client); fwd != nil {
			return fwd
		}
	}
	h.fill(m, rep, err)
	return m
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

// forward asks the forwarder about r on behalf of client, or returns nil
// (REFUSED) when there is none or client may not recurse. It answers
// SERVFAIL when too many questions are in flight or the upstreams do not
// answer in time.
func (h *Handler) forward(r *dns.Msg, client netip.Addr) *dns.Msg {
	if h.o.Forward == nil || !h.mayRecurse(client) {
		h.o.Metrics.refused()
		return nil
	}
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
