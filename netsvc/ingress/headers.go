package ingress

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// forwardHeaders sets X-Forwarded-For/-Proto/-Host/-Port and X-Real-IP on
// the backend's request. A peer inside TrustedProxies is a proxy in front
// of us: its headers are kept, XFF is appended to, and the client is the
// rightmost XFF address that is not itself a trusted proxy. Any other
// peer is the client, and what it sent in those headers is replaced.
// It returns the client's address, for the access log.
// (ReverseProxy in Rewrite mode has already removed Forwarded,
// X-Forwarded-For, -Host and -Proto from out, and the hop-by-hop headers.)
func (p *Proxy) forwardHeaders(in *http.Request, out http.Header) (client string) {
	peer := peerAddr(in.RemoteAddr)
	proto := "http"
	if in.TLS != nil {
		proto = "https"
	}
	port := localPort(in)
	peerS := peer.String()
	if !peer.IsValid() {
		peerS = in.RemoteAddr
	}
	if p.trusted(peer) {
		prior := in.Header.Values("X-Forwarded-For")
		xff := peerS
		if len(prior) > 0 {
			xff = strings.Join(prior, ", ") + ", " + peerS
		}
		out.Set("X-Forwarded-For", xff)
		client = p.realClient(prior, in.Header.Get("X-Real-IP"), peerS)
		out.Set("X-Real-IP", client)
		keepOr(in.Header, out, "X-Forwarded-Proto", proto)
		keepOr(in.Header, out, "X-Forwarded-Host", in.Host)
		keepOr(in.Header, out, "X-Forwarded-Port", port)
		if v := in.Header.Values("Forwarded"); len(v) > 0 {
			out["Forwarded"] = v
		}
		return client
	}
	// One backing array for the five values, the keys already canonical.
	v := [...]string{peerS, peerS, proto, in.Host, port}
	vs := v[:]
	out["X-Forwarded-For"] = vs[0:1:1]
	out["X-Real-Ip"] = vs[1:2:2]
	out["X-Forwarded-Proto"] = vs[2:3:3]
	out["X-Forwarded-Host"] = vs[3:4:4]
	out["X-Forwarded-Port"] = vs[4:5:5]
	return peerS
}

// keepOr copies name from in to out, or sets it to def if in lacks it.
func keepOr(in, out http.Header, name, def string) {
	if v := in.Get(name); v != "" {
		out.Set(name, v)
		return
	}
	out.Set(name, def)
}

// realClient walks the X-Forwarded-For chain from the right, skipping
// trusted proxies; the first address that is not one is the client.
func (p *Proxy) realClient(xff []string, realIP, peer string) string {
	var hops []string
	for _, v := range xff {
		for h := range strings.SplitSeq(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				hops = append(hops, h)
			}
		}
	}
	if len(hops) == 0 {
		if realIP != "" {
			return realIP
		}
		return peer
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil || !p.trusted(a.Unmap()) {
			return hops[i]
		}
	}
	return hops[0]
}

func (p *Proxy) trusted(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	for _, pfx := range p.cfg.TrustedProxies {
		if pfx.Contains(a) {
			return true
		}
	}
	return false
}

// peerAddr is the address of the connection's other end.
func peerAddr(remote string) netip.Addr {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// localPort is the port the request came in on.
func localPort(r *http.Request) string {
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if ta, ok := a.(*net.TCPAddr); ok {
			return strconv.Itoa(ta.Port)
		}
		if _, port, err := net.SplitHostPort(a.String()); err == nil {
			return port
		}
	}
	if r.TLS != nil {
		return "443"
	}
	return "80"
}
