// Package route turns Ingress objects, their services and the services'
// endpoints into an immutable routing table: which backend a request for
// a host and path goes to, and which TLS secret serves a host. It is pure:
// no I/O, no clock, no goroutines; the ingress proxy (netsvc/ingress)
// builds a new Table whenever the cluster state changes and swaps it in
// atomically, and the leader calls Build for its Conflicts and Owns for
// the Ingresses whose status it writes.
//
// Routing follows networking.k8s.io/v1 Ingress as the Kubernetes
// documentation defines it (concepts/services-networking/ingress); where
// it leaves a choice, the choice is written here and in docs/ingress.md.
//
// # Which Ingresses
//
// Owns decides: ingressClassName "shoal", or the name of an IngressClass
// whose controller is "shoal.dev/ingress", or no class at all unless
// every IngressClass marked default belongs to another controller.
//
// # Hosts
//
// The request's host (Host header or :authority) loses its port and one
// trailing dot and is compared without regard to letter case. A request
// goes to exactly one set of rules, the first that exists of:
//
//  1. the rules whose host equals the request's host;
//  2. the rules of the wildcard "*.parent" where parent is the request's
//     host without its first label ("*.foo.com" takes "bar.foo.com", not
//     "foo.com" nor "baz.bar.foo.com");
//  3. the rules without a host.
//
// Within that set the longest matching path wins; when none matches, the
// request goes to the defaultBackend, never to a less specific set of
// rules ("Incoming requests are first evaluated for a host match, then
// routed to the backend associated with the matching IngressRuleValue",
// IngressRule's API doc; "If none of the hosts or paths match the HTTP
// request in the Ingress objects, the traffic is routed to your default
// backend", the concept page). Without a defaultBackend: no match (404).
// A host rule without paths claims its host all the same. Hosts that are
// IP addresses never match a rule with a host (rules cannot name IPs).
//
// # Paths
//
// Exact matches the normalised path exactly (a trailing slash counts).
// Prefix matches whole segments: "/foo" takes "/foo", "/foo/" and
// "/foo/bar", not "/foobar"; a rule's trailing slash is ignored ("/foo/"
// is the same rule as "/foo"), and "/" takes every path.
// ImplementationSpecific is Prefix. Among the rules that match, the
// longest path (trailing slash ignored for Prefix) wins, and Exact beats
// Prefix on the same path, so an Exact match always wins.
//
// # Normalisation
//
// A request path is compared only after it is normalised (CleanPath),
// so that no escape, dot or doubled slash can reach around a rule:
//
//   - it must start with '/' (else no match), and every '%' must start a
//     valid escape "%XX" (else no match);
//   - escapes are decoded ("%61" is "a", "%2e%2e" is ".."), except that an
//     encoded slash "%2F" (any case) stays "%2F" inside its segment: it
//     never separates segments, so "/admin%2Fx" is the single segment
//     "admin%2Fx", which Prefix "/admin" does not take; a decoded '%'
//     stays "%25", so "%252F" cannot pose as an encoded slash;
//   - empty segments ("//") and "." segments are dropped, and ".." removes
//     the segment before it, never going above "/" (RFC 3986 5.2.4):
//     "/public/../admin" is "/admin", "//admin" is "/admin",
//     "/../../etc" is "/etc", "/admin%2F.." is itself (not "/");
//   - a path that ends in '/' (or in a "." or ".." segment) keeps one
//     trailing slash: "/foo/." is "/foo/";
//   - a segment that is "." or ".." before a ';' counts as "." or "..":
//     servlet containers read "/public/..;x/admin" as "/admin", so the
//     router does too; otherwise ';' and '\' are ordinary characters;
//   - letter case is kept.
//
// Rule paths are plain text: they are normalised the same way without
// decoding ('%' in a rule is a literal "%", matched by a request's
// "%25").
//
// # Merging
//
// Ingresses are merged oldest first (creationTimestamp, then
// namespace/name); the first to claim a host, normalised path and kind
// (Exact, or Prefix) keeps it and every later claim is a Conflict, so is
// every defaultBackend after the first; TLS hosts keep the oldest secret.
//
// # Backends
//
// A backend is a service in the Ingress's namespace and one of its TCP
// ports, named by port number (its "port", not its targetPort) or by its
// name. Its endpoints are the pods the service selects that are on a
// node, have a valid IP, are not Succeeded or Failed, are Ready and are
// not terminating (publishNotReadyAddresses does not apply: the ingress
// never sends requests to a pod that is not Ready), each at the service
// port's targetPort (a named one resolved per pod as in
// netsvc/endpoints). A missing service or port, an ExternalName service or
// a service without selector gives a Backend without endpoints: the proxy
// answers 503.
package route
