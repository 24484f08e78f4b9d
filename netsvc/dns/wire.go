package dnssvc

import (
	"net/netip"
	"time"

	"github.com/miekg/dns"
)

// snapshotter is a Lookup that can say which zone snapshot it answers
// from, so packed answers can be kept until it changes.
type snapshotter interface {
	Zone() *Zone
}

// Zone returns z itself (a Zone is its own snapshot).
func (z *Zone) Zone() *Zone { return z }

// serveUDP answers one UDP query packet from client and returns the packed
// answer appended to buf, or nil when there is nothing to send now: the
// packet is dropped (too short, a response, or malformed: it does not
// unpack), or the answer needs an upstream, in which case later is called
// with it from another goroutine. A query seen before (every byte but the
// ID) is answered from the packed-answer cache.
func (h *Handler) serveUDP(pkt []byte, client netip.Addr, buf []byte, later func([]byte)) []byte {
	if len(pkt) < 12 || pkt[2]&0x80 != 0 {
		return nil
	}
	start := time.Now()
	var zone *Zone
	if s, ok := h.lookup.(snapshotter); ok && h.o.QueryLog == nil {
		zone = s.Zone()
		if e := h.cache.get(pkt[2:], zone, start.UnixNano()); e != nil && h.usable(e, client) {
			out := append(buf, e.resp...)
			out[0], out[1] = pkt[0], pkt[1]
			h.o.Metrics.count(e.counter, time.Since(start))
			return out
		}
	}
	r := new(dns.Msg)
	if err := r.Unpack(pkt); err != nil {
		return nil
	}
	m, src := h.reply(r, client, true)
	if src == needsNetwork {
		key := append([]byte(nil), pkt[2:]...) // pkt is reused once we return
		go func() {
			m, src := h.reply(r, client, false)
			if b := h.packUDP(r, m, client, src, zone, key, nil, start); b != nil {
				later(b)
			}
		}()
		return nil
	}
	return h.packUDP(r, m, client, src, zone, pkt[2:], buf, start)
}

// packUDP truncates m to r's UDP size and packs it into buf, keeping a copy
// under key when src allows, and counts the query.
func (h *Handler) packUDP(r, m *dns.Msg, client netip.Addr, src source, zone *Zone, key, buf []byte, start time.Time) []byte {
	if m == nil {
		return nil
	}
	m.Truncate(int(udpSize(r)))
	out, err := m.PackBuffer(buf[:cap(buf)])
	if err != nil {
		h.o.Logger.Debug("pack dns reply", "err", err)
		return nil
	}
	if key != nil && ((src == fromZone && zone != nil) || (src == fromForward && m.Rcode != dns.RcodeServerFailure)) {
		e := wireEntry{src: src, zone: zone, counter: h.o.Metrics.counter(r, m), negative: m.Rcode == dns.RcodeNameError}
		if src == fromForward {
			e.zone, e.expires = nil, start.Add(forwardedFor).UnixNano()
		}
		h.cache.put(key, out, e)
	}
	h.observe(r, m, client, time.Since(start))
	return out
}

// usable reports whether a kept answer may go to client: a forwarded one
// only to clients that may recurse, and an NXDOMAIN not to a pod, whose
// search path expand may answer instead.
func (h *Handler) usable(e *wireEntry, client netip.Addr) bool {
	switch e.src {
	case fromForward:
		return h.mayRecurse(client)
	case fromZone:
		return !e.negative || h.o.SearchPath == nil || h.o.SearchPath(client) == nil
	}
	return false
}
