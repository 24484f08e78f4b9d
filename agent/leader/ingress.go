package leader

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/netsvc/ingress/route"
	"github.com/shoal-dev/shoal/placement/controller"
	"github.com/shoal-dev/shoal/placement/svcaddr"
)

// The ingress stage keeps, for every Ingress that Shoal's proxy serves,
// status.loadBalancer.ingress equal to the Ready nodes' addresses (every
// agent serves every Ingress), and turns the routing table's conflicts
// into Warning Events on the losing Ingress. It never writes an Ingress
// of another controller's class.

// IngressEventComponent is the source component of the Events the
// ingress stage writes; it deletes them when their Ingress is gone.
const IngressEventComponent = "ingress-controller"

// ReasonRuleConflict is the reason of the Warning Event on an Ingress
// whose rule lost to another Ingress's for the same host and path.
const ReasonRuleConflict = "RuleConflict"

// ReasonBadTLSSecret is the reason of the Warning Event on an Ingress
// whose spec.tls names a Secret that is missing, not of type
// kubernetes.io/tls, or does not hold a usable certificate and key: its
// hosts get the proxy's default certificate.
const ReasonBadTLSSecret = "BadTLSSecret"

// IngressEventRepeat is how often a conflict that still holds raises its
// Event's count; passes in between write nothing.
const IngressEventRepeat = controller.ServiceEventRepeat

// IngressEventTTL is how long an Event of the ingress stage stays after
// its conflict stopped holding.
const IngressEventTTL = controller.ServiceEventTTL

// conflictsFunc returns the rule conflicts among the Ingresses of in.
type conflictsFunc func(route.Input) []route.Conflict

// ingressState is what one pass of the ingress stage reads.
type ingressState struct {
	now       time.Time
	ingresses []*api.Ingress
	classes   []*api.IngressClass
	nodes     []*api.Node
	// events are the Events about Ingresses (any component).
	events []*api.Event
	// conflicts are the routing table's conflicts among ingresses.
	conflicts []route.Conflict
	// tlsProblems says what is wrong with each Secret an Ingress names in
	// spec.tls, by namespace/name ("" or absent: nothing).
	tlsProblems map[api.Key]string
}

// ingressWarning is one Warning Event the stage keeps on an Ingress.
type ingressWarning struct {
	ing         *api.Ingress
	reason, msg string
}

// warnings lists the Warnings that hold now: conflicts on the losers, bad
// TLS Secrets on the Ingresses that name them. Only Shoal's Ingresses get
// any.
func (st ingressState) warnings(byKey map[api.Key]*api.Ingress) []ingressWarning {
	var out []ingressWarning
	for _, c := range st.conflicts {
		if loser := byKey[c.Loser]; loser != nil && route.Owns(loser, st.classes) {
			out = append(out, ingressWarning{loser, ReasonRuleConflict, conflictMessage(c)})
		}
	}
	for _, ing := range st.ingresses {
		if !route.Owns(ing, st.classes) {
			continue
		}
		for i, t := range ing.Spec.TLS {
			key := api.Key{Kind: "Secret", Namespace: ing.Namespace, Name: t.SecretName}
			if p := st.tlsProblems[key]; t.SecretName != "" && p != "" {
				msg := fmt.Sprintf("spec.tls[%d].secretName %q: %s; hosts %s get the default certificate", i, t.SecretName, p, strings.Join(t.Hosts, ", "))
				out = append(out, ingressWarning{ing, ReasonBadTLSSecret, msg})
			}
		}
	}
	return out
}

// planIngresses computes the writes of one pass: status writes of the
// Ingresses whose addresses changed, and Event creates, updates and
// deletes.
func planIngresses(st ingressState) controller.Changes {
	var ch controller.Changes
	want := svcaddr.LoadBalancerIngress(svcaddr.ReadyNodeAddresses(st.nodes))
	live := make(map[string]bool, len(st.ingresses))
	byKey := make(map[api.Key]*api.Ingress, len(st.ingresses))
	for _, ing := range st.ingresses {
		live[ing.UID] = true
		byKey[api.KeyOf(ing)] = ing
		if !route.Owns(ing, st.classes) || slices.Equal(ing.Status.LoadBalancer.Ingress, want) {
			continue
		}
		cp := api.DeepCopy(ing)
		cp.Status.LoadBalancer.Ingress = slices.Clone(want)
		ch.Statuses = append(ch.Statuses, cp)
	}

	existing := map[api.Key]*api.Event{}
	for _, e := range st.events {
		if e.InvolvedObject.Kind != "Ingress" || e.Source.Component != IngressEventComponent {
			continue
		}
		if !live[e.InvolvedObject.UID] {
			ch.Deletes = append(ch.Deletes, controller.Delete{Key: api.KeyOf(e), UID: e.UID})
			continue
		}
		existing[api.KeyOf(e)] = e
	}
	now := st.now.UTC()
	done := map[api.Key]bool{}
	for _, w := range st.warnings(byKey) {
		key := ingressEventKey(w.ing, w.reason, w.msg)
		if done[key] {
			continue
		}
		done[key] = true
		old := existing[key]
		delete(existing, key)
		switch {
		case old == nil:
			ch.Creates = append(ch.Creates, newIngressEvent(key, w, now))
		case old.LastTimestamp == nil || now.Sub(*old.LastTimestamp) >= IngressEventRepeat:
			e := api.DeepCopy(old)
			e.Count++
			e.LastTimestamp = &now
			ch.Updates = append(ch.Updates, e)
		}
	}
	// What is left no longer holds: delete it once it is old enough.
	for _, k := range sortedEventKeys(existing) {
		e := existing[k]
		if e.LastTimestamp == nil || now.Sub(*e.LastTimestamp) > IngressEventTTL {
			ch.Deletes = append(ch.Deletes, controller.Delete{Key: k, UID: e.UID})
		}
	}
	return ch
}

// conflictMessage says which rule lost and to whom.
func conflictMessage(c route.Conflict) string {
	winner := c.Winner.Namespace + "/" + c.Winner.Name
	if c.Host == "" && c.Path == "" && c.PathType == "" {
		return fmt.Sprintf("spec.defaultBackend is ignored: Ingress %s's default backend takes requests that match no rule (it is older, or first by namespace/name)", winner)
	}
	host := "every host"
	if c.Host != "" {
		host = fmt.Sprintf("host %q", c.Host)
	}
	if c.Winner == c.Loser {
		return fmt.Sprintf("the rule for %s, path %q (%s) is ignored: an earlier rule of this Ingress routes the same host and path", host, c.Path, c.PathType)
	}
	return fmt.Sprintf("the rule for %s, path %q (%s) is ignored: Ingress %s routes the same host and path (it is older, or first by namespace/name)", host, c.Path, c.PathType, winner)
}

// ingressEventKey names the Event of one warning about ing: the same
// warning about the same Ingress is one Event, whose count rises.
func ingressEventKey(ing *api.Ingress, reason, msg string) api.Key {
	h := sha256.Sum256([]byte(ing.UID + "\x00" + reason + "\x00" + msg))
	return api.Key{Kind: "Event", Namespace: ing.Namespace, Name: ing.Name + "." + hex.EncodeToString(h[:6])}
}

func newIngressEvent(key api.Key, w ingressWarning, now time.Time) *api.Event {
	ing := w.ing
	obj, err := api.New("Event")
	if err != nil {
		panic(err) // registered in api
	}
	e := obj.(*api.Event)
	e.Name, e.Namespace, e.ResourceVersion = key.Name, key.Namespace, "0"
	e.InvolvedObject = api.ObjectReference{Kind: "Ingress", Namespace: ing.Namespace, Name: ing.Name, UID: ing.UID}
	e.Type, e.Reason, e.Message, e.Count = api.EventWarning, w.reason, w.msg, 1
	first, last := now, now
	e.FirstTimestamp, e.LastTimestamp = &first, &last
	e.Source = api.EventSource{Component: IngressEventComponent}
	return e
}

func sortedEventKeys(m map[api.Key]*api.Event) []api.Key {
	keys := make([]api.Key, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b api.Key) int { return strings.Compare(a.String(), b.String()) })
	return keys
}
