package leader

import (
	"context"
	"crypto/tls"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/netsvc/ingress/route"
	"github.com/shoal-dev/shoal/view"
)

// ingressMemo keeps the last conflicts between passes: they depend only
// on the Ingresses and IngressClasses, which change far less often than
// the pods and nodes that wake the controllers.
type ingressMemo struct {
	// conflicts computes the conflicts (routeConflicts; a fake in tests).
	conflicts conflictsFunc
	// version names the Ingresses and IngressClasses last computed from.
	version string
	// last are the conflicts computed then.
	last []route.Conflict
	// secrets are the TLS Secrets last checked: their resourceVersion
	// and what is wrong with them ("" for nothing).
	secrets map[api.Key]checkedSecret
}

type checkedSecret struct{ version, problem string }

// routeConflicts returns the conflicts of the routing table the ingress
// proxies build from the same Ingresses. Conflicts depend only on the
// Ingresses and classes, so no services or pods are passed.
func routeConflicts(in route.Input) []route.Conflict {
	_, c := route.Build(in)
	return c
}

// reconcileIngresses runs one pass of the ingress stage and commits what
// it decides (see planIngresses).
func (l *Leader) reconcileIngresses(ctx context.Context, nodes []*api.Node, events []*api.Event, now time.Time) {
	st := ingressState{
		now:       now,
		ingresses: view.All[*api.Ingress](l.cfg.View, "Ingress"),
		classes:   view.All[*api.IngressClass](l.cfg.View, "IngressClass"),
		nodes:     nodes,
		events:    events,
	}
	if len(st.ingresses) == 0 && len(events) == 0 {
		return
	}
	st.conflicts = l.ingress.conflictsOf(st.ingresses, st.classes)
	st.tlsProblems = l.ingress.tlsProblems(l.cfg.View, st.ingresses)
	if ch := planIngresses(st); !ch.Empty() {
		l.commitChanges(ctx, ch, now)
	}
}

// conflictsOf returns the conflicts among ingresses, computed again only
// when an Ingress's spec or an IngressClass changed since the last pass.
func (m *ingressMemo) conflictsOf(ingresses []*api.Ingress, classes []*api.IngressClass) []route.Conflict {
	if m.conflicts == nil || len(ingresses) == 0 {
		return nil
	}
	var b strings.Builder
	for _, o := range ingresses {
		// The generation changes with the spec, not with the status this
		// stage writes; the uid tells a re-created Ingress apart.
		b.WriteString(o.Namespace + "/" + o.Name + "/" + o.UID + "@" + strconv.FormatInt(o.Generation, 10) + " ")
	}
	b.WriteString("| ")
	for _, o := range classes {
		b.WriteString(o.Name + "@" + o.ResourceVersion + " ")
	}
	if v := b.String(); v != m.version {
		m.last = m.conflicts(route.Input{Ingresses: ingresses, IngressClasses: classes})
		m.version = v
	}
	return m.last
}

// tlsProblems checks every Secret the ingresses name in spec.tls, parsing
// a Secret's certificate again only when its resourceVersion changed.
func (m *ingressMemo) tlsProblems(v view.View, ingresses []*api.Ingress) map[api.Key]string {
	seen := map[api.Key]checkedSecret{}
	out := map[api.Key]string{}
	for _, ing := range ingresses {
		for _, t := range ing.Spec.TLS {
			key := api.Key{Kind: "Secret", Namespace: ing.Namespace, Name: t.SecretName}
			if _, ok := seen[key]; ok || t.SecretName == "" {
				continue
			}
			c := checkedSecret{problem: fmt.Sprintf("no such Secret in namespace %s", ing.Namespace)}
			if o, ok := v.Get("Secret", key.Namespace, key.Name); ok {
				sec, _ := o.(*api.Secret)
				c.version = o.GetObjectMeta().ResourceVersion
				if old, ok := m.secrets[key]; ok && old.version == c.version {
					c = old
				} else {
					c.problem = tlsSecretProblem(sec)
				}
			}
			seen[key] = c
			if c.problem != "" {
				out[key] = c.problem
			}
		}
	}
	m.secrets = seen
	return out
}

// tlsSecretProblem says why sec cannot serve TLS, or "".
func tlsSecretProblem(sec *api.Secret) string {
	switch {
	case sec == nil:
		return "not a Secret"
	case sec.Type != api.SecretTypeTLS:
		return fmt.Sprintf("type %q, want %s", sec.Type, api.SecretTypeTLS)
	}
	if _, err := tls.X509KeyPair(sec.Data[api.TLSCertKey], sec.Data[api.TLSPrivateKeyKey]); err != nil {
		return fmt.Sprintf("%s and %s do not make a certificate and key: %v", api.TLSCertKey, api.TLSPrivateKeyKey, err)
	}
	return ""
}
