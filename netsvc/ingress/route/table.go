// Package route turns Ingress objects, their services and the services'
// endpoints into an immutable routing table: which backend a request for
// a host and path goes to, and which TLS secret serves a host. It is pure:
// no I/O, no clock; the ingress proxy (netsvc/ingress) builds a new Table
// whenever the cluster state changes and swaps it in atomically.
package route

import (
	"net/netip"

	"github.com/shoal-dev/shoal/api"
)

// Table is one immutable routing snapshot, safe for concurrent use.
type Table struct {
	// (fields belong to the route package's implementation)
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
// path, before normalisation); ok is false when nothing matches (404).
func (t *Table) Match(host, path string) (b *Backend, ok bool) {
	panic("implemented by the route package")
}

// TLSSecret returns the kubernetes.io/tls Secret that serves host over
// TLS (SNI), if any Ingress names one for it.
func (t *Table) TLSSecret(host string) (secret api.Key, ok bool) {
	panic("implemented by the route package")
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
// turns each into a Warning event on the loser.
type Conflict struct {
	Loser, Winner api.Key
	Host, Path    string
	PathType      api.PathType
}

// Build makes a Table; it never fails: rules it cannot use (a missing
// service or port) route to a backend without endpoints (503).
func Build(in Input) (*Table, []Conflict) {
	panic("implemented by the route package")
}
