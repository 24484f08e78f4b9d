package route

import (
	"cmp"
	"slices"
	"strings"

	"github.com/shoal-dev/shoal/api"
)

// Build makes a Table from every object in in; it never fails: rules it
// cannot use (a missing service or port) route to a backend without
// endpoints (503). Only the Ingresses that Owns accepts count. They are
// merged oldest first (creationTimestamp, one without a timestamp after
// all others, then namespace/name): the first Ingress to claim a host and
// normalised path of one kind (Exact, or Prefix = ImplementationSpecific)
// keeps it, and every later claim is returned as a Conflict, in the order
// found. The same goes for defaultBackend and, without a Conflict, for
// the secret of a TLS host.
func Build(in Input) (*Table, []Conflict) {
	cl := newClassifier(in.IngressClasses)
	ings := make([]*api.Ingress, 0, len(in.Ingresses))
	for _, ing := range in.Ingresses {
		if cl.owns(ing) {
			ings = append(ings, ing)
		}
	}
	slices.SortFunc(ings, olderFirst)

	b := builder{
		t:        &Table{exact: map[string]*vhost{}, wild: map[string]*vhost{}, tls: map[string]api.Key{}, tlsWild: map[string]api.Key{}},
		backends: newBackends(in.Services, in.Pods),
	}
	for _, ing := range ings {
		b.add(ing)
	}
	t := b.t
	t.backends = b.backends.all
	t.hosts = make([]string, 0, len(t.exact)+len(t.wild))
	for h := range t.exact {
		t.hosts = append(t.hosts, h)
	}
	for h := range t.wild {
		t.hosts = append(t.hosts, "*."+h)
	}
	slices.Sort(t.hosts)
	return t, b.conflicts
}

// olderFirst orders Ingresses by age, then namespace and name.
func olderFirst(a, b *api.Ingress) int {
	ta, tb := a.CreationTimestamp, b.CreationTimestamp
	switch {
	case ta == nil && tb != nil:
		return 1
	case ta != nil && tb == nil:
		return -1
	case ta != nil && tb != nil:
		if c := ta.Compare(*tb); c != 0 {
			return c
		}
	}
	return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name))
}

type builder struct {
	t         *Table
	backends  *backends
	conflicts []Conflict
}

func ingressKey(ing *api.Ingress) api.Key {
	return api.Key{Kind: "Ingress", Namespace: ing.Namespace, Name: ing.Name}
}

func (b *builder) add(ing *api.Ingress) {
	if db := ing.Spec.DefaultBackend; db != nil {
		if b.t.def == nil {
			b.t.def = b.backends.get(ing, db)
			b.t.routes++
		} else {
			b.conflicts = append(b.conflicts, Conflict{Loser: ingressKey(ing), Winner: b.t.def.Ingress})
		}
	}
	for _, tls := range ing.Spec.TLS {
		if tls.SecretName == "" {
			continue
		}
		secret := api.Key{Kind: "Secret", Namespace: ing.Namespace, Name: tls.SecretName}
		for _, h := range tls.Hosts {
			key, wild := ruleHost(h)
			if key == "" {
				continue
			}
			m := b.t.tls
			if wild {
				m = b.t.tlsWild
			}
			if _, taken := m[key]; !taken {
				m[key] = secret
			}
		}
	}
	for i := range ing.Spec.Rules {
		b.addRule(ing, &ing.Spec.Rules[i])
	}
}

func (b *builder) addRule(ing *api.Ingress, r *api.IngressRule) {
	vh := b.vhost(r.Host)
	if vh == nil || r.HTTP == nil {
		// A host rule without paths still claims its host: its requests
		// go to the defaultBackend, not to rules without a host.
		return
	}
	for i := range r.HTTP.Paths {
		hp := &r.HTTP.Paths[i]
		pt := api.PathTypeImplementationSpecific
		if hp.PathType != nil {
			pt = *hp.PathType
		}
		key, m := rulePath(hp.Path), vh.prefix
		if pt == api.PathTypeExact {
			m = vh.exact
		} else {
			key = strings.TrimSuffix(key, "/")
		}
		if won := m[key]; won != nil {
			b.conflicts = append(b.conflicts, Conflict{
				Loser: ingressKey(ing), Winner: won.Ingress, Host: r.Host, Path: hp.Path, PathType: pt,
			})
			continue
		}
		m[key] = b.backends.get(ing, &hp.Backend)
		b.t.routes++
	}
}

// vhost returns the rules of a rule host, made on first use; nil for a
// host that can never match a request (longer than a DNS name).
func (b *builder) vhost(host string) *vhost {
	newVhost := func() *vhost {
		return &vhost{exact: map[string]*Backend{}, prefix: map[string]*Backend{}}
	}
	if host == "" {
		if b.t.any == nil {
			b.t.any = newVhost()
		}
		return b.t.any
	}
	key, wild := ruleHost(host)
	if key == "" {
		return nil
	}
	m := b.t.exact
	if wild {
		m = b.t.wild
	}
	vh := m[key]
	if vh == nil {
		vh = newVhost()
		m[key] = vh
	}
	return vh
}
