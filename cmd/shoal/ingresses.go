package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
)

// Ingresses and IngressClasses print kubectl's columns, which have no
// STATUS.

func ingressColumns() []column {
	ing := func(o api.Object) *api.Ingress { return o.(*api.Ingress) }
	return []column{
		{header: "CLASS", cell: func(o api.Object) string { return ingressClass(ing(o)) }},
		{header: "HOSTS", cell: func(o api.Object) string { return ingressHosts(ing(o)) }},
		{header: "ADDRESS", cell: func(o api.Object) string { return ingressAddress(ing(o), ",") }},
		{header: "PORTS", cell: func(o api.Object) string { return ingressPorts(ing(o)) }},
	}
}

func ingressClassColumns() []column {
	return []column{{header: "CONTROLLER", cell: func(o api.Object) string { return orNone(o.(*api.IngressClass).Spec.Controller) }}}
}

// ingressClass is kubectl's CLASS: spec.ingressClassName or <none>.
func ingressClass(ing *api.Ingress) string {
	if c := ing.Spec.IngressClassName; c != nil && *c != "" {
		return *c
	}
	return "<none>"
}

// maxHosts is how many hosts ingressHosts lists before it says "+ N
// more..." (kubectl's 3).
const maxHosts = 3

// ingressHosts is kubectl's HOSTS: the rules' hosts, comma-joined, the
// first three then "+ N more...", or * when no rule names a host.
func ingressHosts(ing *api.Ingress) string {
	var hosts []string
	for _, r := range ing.Spec.Rules {
		if r.Host != "" {
			hosts = append(hosts, r.Host)
		}
	}
	switch {
	case len(hosts) == 0:
		return "*"
	case len(hosts) > maxHosts:
		return fmt.Sprintf("%s + %d more...", strings.Join(hosts[:maxHosts], ","), len(hosts)-maxHosts)
	}
	return strings.Join(hosts, ",")
}

// ingressAddress is kubectl's ADDRESS: the status's addresses joined by
// sep, empty while there are none. Unlike kubectl, a long list is never
// shortened.
func ingressAddress(ing *api.Ingress, sep string) string {
	var ips []string
	for _, in := range ing.Status.LoadBalancer.Ingress {
		ips = append(ips, in.IP)
	}
	return strings.Join(ips, sep)
}

// ingressPorts is kubectl's PORTS: 80, and 443 when the Ingress has TLS.
func ingressPorts(ing *api.Ingress) string {
	if len(ing.Spec.TLS) > 0 {
		return "80, 443"
	}
	return "80"
}

// backendInfo is what describe shows about a backend service: the
// service (nil if missing) and its endpoints (nil if unknown).
type backendInfo struct {
	svc *api.Service
	ep  *api.Endpoints
	err error
}

// backendLookup fetches a backend service of the Ingress's namespace and
// its endpoints, each once.
func backendLookup(ctx context.Context, c *client.Client, ns string) func(name string) backendInfo {
	seen := map[string]backendInfo{}
	return func(name string) backendInfo {
		if bi, ok := seen[name]; ok {
			return bi
		}
		var bi backendInfo
		o, err := c.Get(ctx, "services", ns, name)
		switch {
		case err == nil:
			bi.svc, _ = o.(*api.Service)
			if o, err := c.Get(ctx, "endpoints", ns, name); err == nil {
				bi.ep, _ = o.(*api.Endpoints)
			} else if !client.IsNotFound(err) {
				bi.err = err
			}
		case client.IsNotFound(err):
			bi.err = fmt.Errorf("service %q not found", name)
		default:
			bi.err = err
		}
		seen[name] = bi
		return bi
	}
}

// describeIngress prints an Ingress like kubectl describe: address,
// class, default backend, TLS, then every rule's paths with their
// backends and the backends' ready endpoints (from lookup).
func describeIngress(w io.Writer, ing *api.Ingress, lookup func(name string) backendInfo) error {
	f := func(label, value string) { fmt.Fprintf(w, "%-18s%s\n", label+":", value) }
	f("Name", ing.Name)
	f("Labels", multiline(ing.Labels, 18))
	f("Namespace", ing.Namespace)
	f("Address", ingressAddress(ing, ", "))
	f("Ingress Class", ingressClass(ing))
	if ing.CreationTimestamp != nil {
		f("Created", fmt.Sprintf("%s (%s ago)", ing.CreationTimestamp.Format("2006-01-02 15:04:05 MST"), age(ing.CreationTimestamp)))
	}
	def := "<default>"
	if b := ing.Spec.DefaultBackend; b != nil {
		def = describeBackend(b, lookup)
	}
	f("Default backend", def)
	if len(ing.Spec.TLS) > 0 {
		fmt.Fprintln(w, "TLS:")
		for _, t := range ing.Spec.TLS {
			secret := t.SecretName
			if secret == "" {
				secret = "SNI routes"
			}
			fmt.Fprintf(w, "  %s terminates %s\n", secret, strings.Join(t.Hosts, ","))
		}
	}
	fmt.Fprintln(w, "Rules:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  Host\tPath\tBackends")
	fmt.Fprintln(tw, "  ----\t----\t--------")
	if len(ing.Spec.Rules) == 0 {
		fmt.Fprintf(tw, "  *\t*\t%s\n", def)
	}
	for _, r := range ing.Spec.Rules {
		host := r.Host
		if host == "" {
			host = "*"
		}
		if r.HTTP == nil {
			fmt.Fprintf(tw, "  %s\t*\t%s\n", host, def)
			continue
		}
		fmt.Fprintf(tw, "  %s\t\t\n", host)
		for _, p := range r.HTTP.Paths {
			path := p.Path
			if path == "" {
				path = "*"
			}
			if p.PathType != nil {
				path += " (" + string(*p.PathType) + ")"
			}
			fmt.Fprintf(tw, "  \t%s\t%s\n", path, describeBackend(&p.Backend, lookup))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	f("Annotations", multiline(ing.Annotations, 18))
	return nil
}

// describeBackend is kubectl's backend cell: service:port and the ready
// endpoints of that port, or the error finding them.
func describeBackend(b *api.IngressBackend, lookup func(string) backendInfo) string {
	if b.Service == nil {
		return "<none>"
	}
	s := b.Service
	port := s.Port.Name
	if port == "" {
		port = strconv.Itoa(int(s.Port.Number))
	}
	head := s.Name + ":" + port
	bi := lookup(s.Name)
	if bi.err != nil {
		return fmt.Sprintf("%s (<error: %v>)", head, bi.err)
	}
	if bi.svc == nil {
		return head + " (<none>)"
	}
	i := slices.IndexFunc(bi.svc.Spec.Ports, func(p api.ServicePort) bool {
		return s.Port.Name != "" && p.Name == s.Port.Name || s.Port.Name == "" && p.Port == s.Port.Number
	})
	if i < 0 {
		return fmt.Sprintf("%s (<error: service %q has no port %s>)", head, s.Name, port)
	}
	if bi.ep == nil {
		return head + " (<none>)"
	}
	return fmt.Sprintf("%s (%s)", head, formatEndpoints(bi.ep, &bi.svc.Spec.Ports[i].Name))
}
