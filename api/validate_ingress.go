package api

import (
	"net/netip"
	"strings"
)

// maxIngressClassControllerLength is the longest spec.controller of an
// IngressClass, as in Kubernetes.
const maxIngressClassControllerLength = 250

var pathTypes = map[PathType]bool{PathTypeExact: true, PathTypePrefix: true, PathTypeImplementationSpecific: true}

// Path pieces Kubernetes rejects in Exact and Prefix paths: they would
// make the path mean something else once a request path is normalised.
var (
	invalidPathSequences = []string{"//", "/./", "/../", "%2f", "%2F"}
	invalidPathSuffixes  = []string{"/..", "/."}
)

func validateIngress(e *errs, ing *Ingress) {
	s := &ing.Spec
	if c := s.IngressClassName; c != nil {
		e.check("spec.ingressClassName", *c, dnsSubdomainError(*c))
	}
	if v, ok := ing.Annotations[AnnotationSSLRedirect]; ok && v != "true" && v != "false" {
		e.invalid(key("metadata.annotations", AnnotationSSLRedirect), v, `must be "true" or "false"`)
	}
	if s.DefaultBackend != nil {
		validateIngressBackend(e, "spec.defaultBackend", s.DefaultBackend)
	} else if len(s.Rules) == 0 {
		e.add("spec", "must have rules or a defaultBackend")
	}
	for i, t := range s.TLS {
		p := index("spec.tls", i)
		for j, h := range t.Hosts {
			validateHost(e, index(child(p, "hosts"), j), h)
		}
		if t.SecretName != "" {
			e.check(child(p, "secretName"), t.SecretName, dnsSubdomainError(t.SecretName))
		}
	}
	for i, r := range s.Rules {
		p := index("spec.rules", i)
		if r.Host != "" {
			validateHost(e, child(p, "host"), r.Host)
		}
		if r.HTTP == nil {
			if s.DefaultBackend == nil {
				e.add(child(p, "http"), "required: the rule's paths (or set spec.defaultBackend)")
			}
			continue
		}
		if len(r.HTTP.Paths) == 0 {
			e.add(child(p, "http.paths"), "required: at least one path")
		}
		seen := map[string]bool{}
		for j, hp := range r.HTTP.Paths {
			pp := index(child(p, "http.paths"), j)
			validateIngressPath(e, pp, hp)
			if hp.PathType != nil && pathTypes[*hp.PathType] {
				k := string(*hp.PathType) + " " + hp.Path
				if seen[k] {
					e.add(child(pp, "path"), "duplicate path %s for host %s", quote(hp.Path), quote(r.Host))
				}
				seen[k] = true
			}
			validateIngressBackend(e, child(pp, "backend"), &hp.Backend)
		}
	}
	validateLoadBalancerStatus(e, "status.loadBalancer", &ing.Status.LoadBalancer)
}

// validateIngressPath checks a path and its type as Kubernetes does: Exact
// and Prefix paths are absolute and free of pieces that normalisation
// would change; an ImplementationSpecific path may be empty (every path).
func validateIngressPath(e *errs, pp string, hp HTTPIngressPath) {
	path := child(pp, "path")
	switch {
	case hp.PathType == nil:
		e.add(child(pp, "pathType"), "required: Exact, Prefix or ImplementationSpecific")
		return
	case !pathTypes[*hp.PathType]:
		e.add(child(pp, "pathType"), "unknown path type %s (want Exact, Prefix or ImplementationSpecific)", quote(string(*hp.PathType)))
		return
	case *hp.PathType == PathTypeImplementationSpecific && hp.Path == "":
		return
	case !strings.HasPrefix(hp.Path, "/"):
		e.invalid(path, hp.Path, "must start with '/'")
		return
	case strings.ContainsAny(hp.Path, " \t\r\n?#"):
		e.invalid(path, hp.Path, "may not contain whitespace, '?' or '#'")
		return
	}
	if *hp.PathType == PathTypeImplementationSpecific {
		return
	}
	for _, seq := range invalidPathSequences {
		if strings.Contains(hp.Path, seq) {
			e.invalid(path, hp.Path, "may not contain "+quote(seq)+" with pathType "+string(*hp.PathType))
			return
		}
	}
	for _, suffix := range invalidPathSuffixes {
		if strings.HasSuffix(hp.Path, suffix) {
			e.invalid(path, hp.Path, "may not end with "+quote(suffix)+" with pathType "+string(*hp.PathType))
			return
		}
	}
}

// validateHost checks an ingress host: a DNS name, possibly "*.name", and
// not an IP address.
func validateHost(e *errs, p, host string) {
	if _, err := netip.ParseAddr(host); err == nil {
		e.invalid(p, host, "must be a DNS name, not an IP address")
		return
	}
	e.check(p, host, wildcardDNSSubdomainError(host))
}

func validateIngressBackend(e *errs, p string, b *IngressBackend) {
	if b.Service == nil {
		e.add(child(p, "service"), "required: the service name and port")
		return
	}
	sp := child(p, "service")
	if b.Service.Name == "" {
		e.required(child(sp, "name"))
	} else {
		e.check(child(sp, "name"), b.Service.Name, dns1035LabelError(b.Service.Name))
	}
	port := b.Service.Port
	pp := child(sp, "port")
	switch {
	case port.Name == "" && port.Number == 0:
		e.add(pp, "required: number or name")
	case port.Name != "" && port.Number != 0:
		e.add(pp, "must have only one of number and name")
	case port.Name != "":
		e.check(child(pp, "name"), port.Name, ianaSvcNameError(port.Name))
	case port.Number < 1 || port.Number > 65535:
		e.add(child(pp, "number"), "must be 1-65535, got %d", port.Number)
	}
}

func validateIngressClass(e *errs, c *IngressClass) {
	if c.Spec.Controller == "" {
		e.add("spec.controller", "required: the controller that implements the class, e.g. %s", quote(IngressController))
	} else {
		e.check("spec.controller", c.Spec.Controller, domainPrefixedPathError(c.Spec.Controller, maxIngressClassControllerLength))
	}
	if v, ok := c.Annotations[AnnotationDefaultIngressClass]; ok && v != "true" && v != "false" {
		e.invalid(key("metadata.annotations", AnnotationDefaultIngressClass), v, `must be "true" or "false"`)
	}
}

// domainPrefixedPathError returns why s is not a domain-prefixed path of
// at most max characters ("" if it is one): a DNS subdomain, '/', and a
// non-empty path of RFC 3986 path characters, e.g. "shoal.dev/ingress"
// (Kubernetes' IsDomainPrefixedPath).
func domainPrefixedPathError(s string, max int) string {
	if len(s) > max {
		return "must be at most " + itoa(max) + " characters"
	}
	domain, path, ok := strings.Cut(s, "/")
	if !ok || domain == "" || path == "" {
		return "must be a domain-prefixed path such as " + quote(IngressController)
	}
	if msg := dnsSubdomainError(domain); msg != "" {
		return "domain before '/' " + msg
	}
	for i := 0; i < len(path); i++ {
		if c := path[i]; !isAlnum(c) && !strings.ContainsRune("/-._~%!$&'()*+,;=:", rune(c)) {
			return "path after '/' may only contain letters, digits and /-._~%!$&'()*+,;=:"
		}
	}
	return ""
}
