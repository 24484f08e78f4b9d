// Package ingress is the HTTP reverse proxy every agent runs for the
// cluster's Ingress objects: it listens on the ingress addresses, matches
// each request against the current routing table (package route), and
// forwards it straight to a ready pod endpoint of the matched service,
// balancing by least outstanding requests, ejecting endpoints that refuse
// connections, retrying idempotent requests that could not connect or whose
// connection broke before an answer, and
// terminating TLS with certificates chosen by SNI.
//
// It owns HTTP: headers, streaming, upgrades, timeouts, TLS, metrics and
// the access log. It does not build routes (package route does, from the
// read view) and reads nothing from the cluster itself: the agent gives it
// the routing table through SetRoutes and the TLS Secrets through the
// Secrets interface.
package ingress
