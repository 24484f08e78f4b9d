package route

import (
	"net/netip"

	"github.com/shoal-dev/shoal/api"
)

// Table is one immutable routing snapshot, safe for concurrent use. The
// zero Table and a nil *Table route nothing.
type Table struct {
	exact map[string]*vhost // by host
	wild  map[string]*vhost // by the suffix of "*.suffix"
	any   *vhost            // rules without a host
	def   *Backend          // the winning spec.defaultBackend
	// tls and tlsWild map TLS hosts to their secrets, like exact and wild.
	tls, tlsWild map[string]api.Key
	hosts        []string
	backends     []*Backend
	routes       int
}

// vhost holds the paths of one host: Exact paths by their normalised
// form, Prefix (and ImplementationSpecific) paths by their normalised
// form without the trailing slash ("" for "/").
type vhost struct {
	exact, prefix map[string]*Backend
}

// Backend is where a matched request goes. Backends are shared between
// requests and never modified after Build.
type Backend struct {
	// Ingress is the Ingress whose rule (or defaultBackend) matched.
	Ingress api.Key
	// Service is the backend service (in the Ingress's namespace).
	Service api.Key
	// Port is the service port as the Ingress names it (a name or a
	// number, as text), for metrics and logs.
	Port string
	// Endpoints are the service port's ready, non-terminating endpoints:
	// pod IP and target port, sorted. Empty: the service has none (503).
	Endpoints []netip.AddrPort
	// AppProtocol is the service port's appProtocol ("" for HTTP/1.1;
	// "kubernetes.io/h2c" or "h2c" for HTTP/2 cleartext, "https" for TLS
	// to the backend).
	AppProtocol string
	// SSLRedirect is set when the Ingress asks plain-HTTP requests to be
	// redirected to HTTPS (annotation shoal.dev/ssl-redirect: "true").
	SSLRedirect bool
}

// Match returns the backend of a request for host (the Host header or
// :authority, any port and letter case) and path (the request's escaped
// path, r.URL.EscapedPath(), before normalisation); ok is false when
// nothing matches (404). The package doc gives the rules. Match does not
// allocate for hosts of up to 254 and paths of up to 512 bytes.
func (t *Table) Match(host, path string) (b *Backend, ok bool) {
	if t == nil {
		return nil, false
	}
	vh := t.vhost(host)
	if vh == nil {
		return t.def, t.def != nil
	}
	var buf [512]byte
	p, ok := cleanPath(buf[:0], path, true)
	if !ok {
		return nil, false
	}
	if b := vh.match(p); b != nil {
		return b, true
	}
	return t.def, t.def != nil
}

// vhost finds the rules a request host goes to: the host's own, else a
// wildcard's, else those without a host (nil if there are none).
func (t *Table) vhost(host string) *vhost {
	var buf [maxHost]byte
	if h, ok := normHost(buf[:0], host); ok {
		if vh := t.exact[string(h)]; vh != nil {
			return vh
		}
		if parent, ok := parentDomain(h); ok {
			if vh := t.wild[string(parent)]; vh != nil {
				return vh
			}
		}
	}
	return t.any
}

// match returns the backend of the longest rule path that matches the
// normalised path p, an Exact one before a Prefix one of the same length.
func (vh *vhost) match(p []byte) *Backend {
	if b := vh.exact[string(p)]; b != nil {
		return b // no Prefix rule can be longer than p itself
	}
	if len(vh.prefix) == 0 {
		return nil
	}
	q := p[:len(p)-1] // p ends in '/' or a segment: try p, then its parents
	if p[len(p)-1] != '/' {
		q = p
	}
	for {
		if b := vh.prefix[string(q)]; b != nil {
			return b
		}
		if len(q) == 0 {
			return nil
		}
		i := len(q) - 1
		for q[i] != '/' {
			i--
		}
		q = q[:i]
	}
}

// TLSSecret returns the kubernetes.io/tls Secret that serves host over
// TLS (SNI), if any Ingress names one for it: a secret listed for the
// host itself, else one listed for the wildcard "*.parent" of it. Host is
// compared like a request's host (letter case, port and trailing dot do
// not matter).
func (t *Table) TLSSecret(host string) (secret api.Key, ok bool) {
	if t == nil {
		return api.Key{}, false
	}
	var buf [maxHost]byte
	h, ok := normHost(buf[:0], host)
	if !ok {
		return api.Key{}, false
	}
	if s, ok := t.tls[string(h)]; ok {
		return s, true
	}
	if parent, ok := parentDomain(h); ok {
		if s, ok := t.tlsWild[string(parent)]; ok {
			return s, true
		}
	}
	return api.Key{}, false
}

// Default returns the defaultBackend that requests matching no rule go
// to, if any of our Ingresses has one (the oldest wins).
func (t *Table) Default() (*Backend, bool) {
	if t == nil || t.def == nil {
		return nil, false
	}
	return t.def, true
}

// Len returns how many routes the table holds: host-and-path rules that
// won, plus one for the defaultBackend.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return t.routes
}

// Hosts returns the hosts that have rules, sorted: names and wildcards
// ("*.example.com"); rules without a host are not listed. The slice is
// shared: do not modify it.
func (t *Table) Hosts() []string {
	if t == nil {
		return nil
	}
	return t.hosts
}

// Backends returns every Backend the table routes to (defaultBackend
// included), each once, in the order Build made them; the slice is
// shared: do not modify it. The proxy can use it to keep connection pools
// and health state only for endpoints that are still routed to.
func (t *Table) Backends() []*Backend {
	if t == nil {
		return nil
	}
	return t.backends
}

// Input is what a Table is built from: every object of these kinds in
// the cluster (Build picks the Ingresses that are Shoal's).
type Input struct {
	Ingresses      []*api.Ingress
	IngressClasses []*api.IngressClass
	Services       []*api.Service
	Pods           []*api.Pod
}

// Conflict is a rule that lost to another for the same host and path
// (the older Ingress wins; equal ages go by namespace/name). The leader
// turns each into a Warning event on the loser. Loser and Winner are
// equal when one Ingress lists the same rule twice (the first one wins).
// A defaultBackend that lost to an older Ingress's has Host, Path and
// PathType empty.
type Conflict struct {
	Loser, Winner api.Key
	Host, Path    string
	PathType      api.PathType
}
