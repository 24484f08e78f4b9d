package dnssvc

import (
	"errors"
	"log/slog"
	"net"

	"github.com/miekg/dns"
)

// maxUDPSize caps the EDNS0 buffer size we advertise and honour.
const maxUDPSize = 4096

// Handler is a dns.Handler over a Lookup: it checks the query, asks the
// Lookup, and maps its sentinel errors to rcodes.
type Handler struct {
	lookup Lookup
	log    *slog.Logger
}

var _ dns.Handler = (*Handler)(nil)

// NewHandler returns a Handler answering from l; log may be nil.
func NewHandler(l Lookup, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{lookup: l, log: log}
}

// ServeDNS answers r on w. Only standard queries with one IN question are
// answered; anything else gets FORMERR or NOTIMP.
func (h *Handler) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := h.Answer(r)
	if m == nil {
		return
	}
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		m.Truncate(int(udpSize(r)))
	} else {
		m.Truncate(dns.MaxMsgSize) // a huge headless service must still pack
	}
	if err := w.WriteMsg(m); err != nil {
		h.log.Debug("write dns reply", "err", err)
	}
}

// Answer builds the reply to r without writing it (nil when r is a
// response, which is dropped). It does not truncate.
func (h *Handler) Answer(r *dns.Msg) *dns.Msg {
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
	rep, err := h.lookup.Lookup(r.Question[0])
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
		h.log.Warn("dns lookup", "name", r.Question[0].Name, "err", err)
		m.Rcode = dns.RcodeServerFailure
		m.Authoritative = false
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
