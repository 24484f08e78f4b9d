package leader

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/netsvc/ingress/route"
	"github.com/shoal-dev/shoal/placement/controller"
	"github.com/shoal-dev/shoal/view"
)

var t0 = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

func testNode(name string, ready bool, addrs ...string) *api.Node {
	n := &api.Node{TypeMeta: api.TypeMeta{Kind: "Node", APIVersion: "v1"}, ObjectMeta: api.ObjectMeta{Name: name}}
	st := api.ConditionFalse
	if ready {
		st = api.ConditionTrue
	}
	n.Status.Conditions = []api.NodeCondition{{Type: api.NodeReady, Status: st}}
	for _, a := range addrs {
		typ := api.NodeInternalIP
		if t, addr, ok := strings.Cut(a, "="); ok {
			typ, a = api.NodeAddressType(t), addr
		}
		n.Status.Addresses = append(n.Status.Addresses, api.NodeAddress{Type: typ, Address: a})
	}
	return n
}

func testIngress(name, class string, ips ...string) *api.Ingress {
	ing := &api.Ingress{
		TypeMeta:   api.TypeMeta{Kind: "Ingress", APIVersion: "networking.k8s.io/v1"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name, UID: "uid-" + name, ResourceVersion: "1"},
		Spec: api.IngressSpec{DefaultBackend: &api.IngressBackend{
			Service: &api.IngressServiceBackend{Name: "web", Port: api.ServiceBackendPort{Number: 80}},
		}},
	}
	if class != "" {
		ing.Spec.IngressClassName = &class
	}
	for _, ip := range ips {
		ing.Status.LoadBalancer.Ingress = append(ing.Status.LoadBalancer.Ingress, api.LoadBalancerIngress{IP: ip})
	}
	return ing
}

func testClass(name, controllerName string, isDefault bool) *api.IngressClass {
	c := &api.IngressClass{
		TypeMeta:   api.TypeMeta{Kind: "IngressClass", APIVersion: "networking.k8s.io/v1"},
		ObjectMeta: api.ObjectMeta{Name: name},
		Spec:       api.IngressClassSpec{Controller: controllerName},
	}
	if isDefault {
		c.Annotations = map[string]string{api.AnnotationDefaultIngressClass: "true"}
	}
	return c
}

// statusWrites summarises the status writes as "name=ip,ip".
func statusWrites(ch controller.Changes) []string {
	var out []string
	for _, o := range ch.Statuses {
		ing := o.(*api.Ingress)
		var ips []string
		for _, in := range ing.Status.LoadBalancer.Ingress {
			ips = append(ips, in.IP)
		}
		out = append(out, ing.Name+"="+strings.Join(ips, ","))
	}
	return out
}

func TestPlanIngressesStatus(t *testing.T) {
	nodes := []*api.Node{
		testNode("n3", true, "10.0.0.3"),
		testNode("n1", true, "10.0.0.1", "Hostname=n1"),
		testNode("n2", false, "10.0.0.2"),
		testNode("n4", true, "ExternalIP=203.0.113.4"),
		testNode("n5", true, "10.0.0.10", "10.0.0.1"),
	}
	tests := []struct {
		name      string
		nodes     []*api.Node
		classes   []*api.IngressClass
		ingresses []*api.Ingress
		want      []string
	}{
		{"new ingress gets the ready nodes' internal IPs, sorted", nodes, nil,
			[]*api.Ingress{testIngress("web", "")}, []string{"web=10.0.0.1,10.0.0.3,10.0.0.10"}},
		{"status already right: no write", nodes, nil,
			[]*api.Ingress{testIngress("web", "", "10.0.0.1", "10.0.0.3", "10.0.0.10")}, nil},
		{"a node became NotReady", []*api.Node{testNode("n1", true, "10.0.0.1"), testNode("n3", false, "10.0.0.3")}, nil,
			[]*api.Ingress{testIngress("web", "", "10.0.0.1", "10.0.0.3")}, []string{"web=10.0.0.1"}},
		{"no ready node clears the status", []*api.Node{testNode("n1", false, "10.0.0.1")}, nil,
			[]*api.Ingress{testIngress("web", "", "10.0.0.1")}, []string{"web="}},
		{"no ready node and no status: no write", []*api.Node{testNode("n1", false, "10.0.0.1")}, nil,
			[]*api.Ingress{testIngress("web", "")}, nil},
		{"class shoal", nodes[:1], nil,
			[]*api.Ingress{testIngress("web", "shoal")}, []string{"web=10.0.0.3"}},
		{"another controller's class is never written", nodes[:1], []*api.IngressClass{testClass("nginx", "k8s.io/ingress-nginx", false)},
			[]*api.Ingress{testIngress("web", "nginx"), testIngress("api", "nginx", "192.0.2.1")}, nil},
		{"a class that does not exist is not ours", nodes[:1], nil,
			[]*api.Ingress{testIngress("web", "traefik")}, nil},
		{"our own class", nodes[:1], []*api.IngressClass{testClass("public", api.IngressController, false)},
			[]*api.Ingress{testIngress("web", "public")}, []string{"web=10.0.0.3"}},
		{"no class with another default class is not ours", nodes[:1], []*api.IngressClass{testClass("nginx", "k8s.io/ingress-nginx", true)},
			[]*api.Ingress{testIngress("web", ""), testIngress("api", "shoal")}, []string{"api=10.0.0.3"}},
		{"no class with our default class", nodes[:1], []*api.IngressClass{testClass("nginx", "k8s.io/ingress-nginx", false), testClass("public", api.IngressController, true)},
			[]*api.Ingress{testIngress("web", "")}, []string{"web=10.0.0.3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := planIngresses(ingressState{now: t0, ingresses: tt.ingresses, classes: tt.classes, nodes: tt.nodes})
			if got := statusWrites(ch); !slices.Equal(got, tt.want) {
				t.Errorf("status writes %q, want %q", got, tt.want)
			}
			for _, o := range ch.Statuses {
				if rv := o.GetObjectMeta().ResourceVersion; rv != "1" {
					t.Errorf("status write of %s has resourceVersion %q, want the one it was computed from, \"1\"", o.GetObjectMeta().Name, rv)
				}
			}
			if len(ch.Creates)+len(ch.Updates)+len(ch.Deletes) != 0 {
				t.Errorf("got other writes %+v, want status writes only", ch)
			}
		})
	}
}

func testEvent(ing *api.Ingress, c route.Conflict, count int32, last time.Time) *api.Event {
	msg := conflictMessage(c)
	e := newIngressEvent(ingressEventKey(ing, ReasonRuleConflict, msg), ingressWarning{ing, ReasonRuleConflict, msg}, last)
	e.UID, e.ResourceVersion, e.Count = "uid-"+e.Name, "7", count
	first := last.Add(-time.Hour)
	e.FirstTimestamp = &first
	return e
}

func TestPlanIngressesEvents(t *testing.T) {
	old, young := testIngress("old", ""), testIngress("young", "")
	nginx := testIngress("other", "nginx")
	prefix := api.PathTypePrefix
	conflict := route.Conflict{Loser: api.KeyOf(young), Winner: api.KeyOf(old), Host: "app.example.com", Path: "/api", PathType: prefix}
	second := route.Conflict{Loser: api.KeyOf(young), Winner: api.KeyOf(old), Host: "", Path: "/", PathType: api.PathTypeExact}
	defBackend := route.Conflict{Loser: api.KeyOf(young), Winner: api.KeyOf(old)}
	gone := testIngress("gone", "")
	tests := []struct {
		name        string
		conflicts   []route.Conflict
		events      []*api.Event
		wantCreates []string // messages
		wantUpdates []int32  // counts
		wantDeletes []string // event names
	}{
		{name: "a conflict makes a Warning on the loser", conflicts: []route.Conflict{conflict},
			wantCreates: []string{`the rule for host "app.example.com", path "/api" (Prefix) is ignored: Ingress default/old routes the same host and path (it is older, or first by namespace/name)`}},
		{name: "a rule that loses to one of its own Ingress", conflicts: []route.Conflict{{Loser: api.KeyOf(young), Winner: api.KeyOf(young), Host: "app.example.com", Path: "/api/", PathType: prefix}},
			wantCreates: []string{`the rule for host "app.example.com", path "/api/" (Prefix) is ignored: an earlier rule of this Ingress routes the same host and path`}},
		{name: "a conflict reported twice makes one Event", conflicts: []route.Conflict{conflict, conflict},
			wantCreates: []string{`the rule for host "app.example.com", path "/api" (Prefix)`}},
		{name: "every host and the default backend", conflicts: []route.Conflict{second, defBackend},
			wantCreates: []string{`the rule for every host, path "/" (Exact) is ignored: Ingress default/old`, `spec.defaultBackend is ignored: Ingress default/old's default backend takes requests that match no rule`}},
		{name: "a held conflict writes nothing before the repeat interval", conflicts: []route.Conflict{conflict},
			events: []*api.Event{testEvent(young, conflict, 1, t0.Add(-IngressEventRepeat+time.Second))}},
		{name: "a held conflict raises the count after the repeat interval", conflicts: []route.Conflict{conflict},
			events: []*api.Event{testEvent(young, conflict, 3, t0.Add(-IngressEventRepeat))}, wantUpdates: []int32{4}},
		{name: "an Event of a conflict that stopped holding stays for the TTL",
			events: []*api.Event{testEvent(young, conflict, 1, t0.Add(-IngressEventTTL))}},
		{name: "an Event of a conflict that stopped holding goes after the TTL",
			events:      []*api.Event{testEvent(young, conflict, 1, t0.Add(-IngressEventTTL-time.Second))},
			wantDeletes: []string{testEvent(young, conflict, 1, t0).Name}},
		{name: "the Events of a deleted Ingress go at once",
			events:      []*api.Event{testEvent(gone, conflict, 1, t0)},
			wantDeletes: []string{testEvent(gone, conflict, 1, t0).Name}},
		{name: "another component's Events are left alone",
			events: []*api.Event{func() *api.Event {
				e := testEvent(gone, conflict, 1, t0.Add(-2*IngressEventTTL))
				e.Source.Component = "someone-else"
				return e
			}()}},
		{name: "no Event on another controller's Ingress", conflicts: []route.Conflict{{Loser: api.KeyOf(nginx), Winner: api.KeyOf(old), Path: "/", PathType: prefix}}},
		{name: "no Event for an Ingress that is gone", conflicts: []route.Conflict{{Loser: api.KeyOf(gone), Winner: api.KeyOf(old), Path: "/", PathType: prefix}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := planIngresses(ingressState{
				now:       t0,
				ingresses: []*api.Ingress{old, young, nginx},
				classes:   []*api.IngressClass{testClass("nginx", "k8s.io/ingress-nginx", false)},
				events:    tt.events,
				conflicts: tt.conflicts,
			})
			if len(ch.Creates) != len(tt.wantCreates) {
				t.Fatalf("got %d creates %+v, want %d", len(ch.Creates), ch.Creates, len(tt.wantCreates))
			}
			for i, o := range ch.Creates {
				e := o.(*api.Event)
				if !strings.Contains(e.Message, tt.wantCreates[i]) {
					t.Errorf("create %d message %q, want it to contain %q", i, e.Message, tt.wantCreates[i])
				}
				want := api.ObjectReference{Kind: "Ingress", Namespace: "default", Name: "young", UID: "uid-young"}
				if e.InvolvedObject != want || e.Type != api.EventWarning || e.Reason != ReasonRuleConflict || e.Count != 1 ||
					e.Source.Component != IngressEventComponent || e.ResourceVersion != "0" || e.Namespace != "default" ||
					!strings.HasPrefix(e.Name, "young.") || e.LastTimestamp == nil || !e.LastTimestamp.Equal(t0) {
					t.Errorf("create %d = %+v, want a Warning %s about %+v, count 1, last seen %s, resourceVersion 0", i, e, ReasonRuleConflict, want, t0)
				}
			}
			var counts []int32
			for _, o := range ch.Updates {
				e := o.(*api.Event)
				counts = append(counts, e.Count)
				if e.ResourceVersion != "7" || e.LastTimestamp == nil || !e.LastTimestamp.Equal(t0) {
					t.Errorf("update %+v: want resourceVersion 7 and last seen %s", e, t0)
				}
			}
			if !slices.Equal(counts, tt.wantUpdates) {
				t.Errorf("updated counts %v, want %v", counts, tt.wantUpdates)
			}
			var deleted []string
			for _, d := range ch.Deletes {
				deleted = append(deleted, d.Key.Name)
				if d.UID != "uid-"+d.Key.Name {
					t.Errorf("delete %s guarded by uid %q, want %q", d.Key, d.UID, "uid-"+d.Key.Name)
				}
			}
			if !slices.Equal(deleted, tt.wantDeletes) {
				t.Errorf("deleted %v, want %v", deleted, tt.wantDeletes)
			}
		})
	}
}

// TestReconcileIngresses runs the stage against a real store: the status
// is written once and then left alone, a conflict is one Event, and the
// conflicts are computed again only when an Ingress changes.
func TestReconcileIngresses(t *testing.T) {
	st := consensus.NewStore()
	prop := &storeProposer{fsm: consensus.NewFSM(st, nil)}
	l := New(Config{Name: "n1", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), View: st, Proposer: prop})
	calls := 0
	l.ingress.conflicts = func(in route.Input) []route.Conflict {
		calls++
		if len(in.Ingresses) != 2 {
			return nil
		}
		a, b := in.Ingresses[0], in.Ingresses[1]
		return []route.Conflict{{Loser: api.KeyOf(b), Winner: api.KeyOf(a), Host: "app.example.com", Path: "/", PathType: api.PathTypePrefix}}
	}
	ctx := context.Background()
	put := func(mode consensus.PutMode, objs ...api.Object) {
		t.Helper()
		if _, err := prop.Propose(ctx, consensus.Put{Objects: objs, Mode: mode, Time: t0}); err != nil {
			t.Fatalf("put: %v", err)
		}
	}
	a, b := testIngress("a", ""), testIngress("b", "")
	for _, o := range []*api.Ingress{a, b} {
		o.UID, o.ResourceVersion = "", ""
	}
	put(consensus.ModeReplace, testNode("n1", true, "10.0.0.1"), testNode("n2", true, "10.0.0.2"), a, b)
	pass := func(now time.Time) {
		t.Helper()
		var evs []*api.Event
		for _, o := range st.List("Event", "", nil) {
			if e := o.(*api.Event); e.InvolvedObject.Kind == "Ingress" {
				evs = append(evs, e)
			}
		}
		l.reconcileIngresses(ctx, view.All[*api.Node](st, "Node"), evs, now)
	}
	rvOf := func(name string) string {
		o, ok := st.Get("Ingress", "default", name)
		if !ok {
			t.Fatalf("Ingress %s is gone", name)
		}
		return o.GetObjectMeta().ResourceVersion
	}
	events := func() []string {
		var out []string
		for _, o := range st.List("Event", "", nil) {
			e := o.(*api.Event)
			out = append(out, fmt.Sprintf("%s %s %d", e.InvolvedObject.Name, e.Reason, e.Count))
		}
		return out
	}

	pass(t0)
	for _, name := range []string{"a", "b"} {
		o, _ := st.Get("Ingress", "default", name)
		if got := o.(*api.Ingress).Status.LoadBalancer.Ingress; !slices.Equal(got, []api.LoadBalancerIngress{{IP: "10.0.0.1"}, {IP: "10.0.0.2"}}) {
			t.Errorf("Ingress %s status %+v, want 10.0.0.1 and 10.0.0.2", name, got)
		}
	}
	if got, want := events(), []string{"b RuleConflict 1"}; !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
	rvA, rvB, callsBefore := rvOf("a"), rvOf("b"), calls

	pass(t0.Add(time.Second))
	if rvOf("a") != rvA || rvOf("b") != rvB {
		t.Errorf("a pass with nothing changed rewrote the Ingresses (resourceVersions %s %s, want %s %s)", rvOf("a"), rvOf("b"), rvA, rvB)
	}
	if calls != callsBefore {
		t.Errorf("conflicts computed %d more times with no Ingress changed, want 0", calls-callsBefore)
	}
	if got, want := events(), []string{"b RuleConflict 1"}; !slices.Equal(got, want) {
		t.Errorf("events %q after a second pass, want %q", got, want)
	}

	put(consensus.ModeReplace, testNode("n2", false, "10.0.0.2"))
	if _, err := prop.Propose(ctx, consensus.Delete{Keys: []api.Key{api.KeyOf(b)}}); err != nil {
		t.Fatalf("delete b: %v", err)
	}
	pass(t0.Add(2 * time.Second))
	o, _ := st.Get("Ingress", "default", "a")
	if got := o.(*api.Ingress).Status.LoadBalancer.Ingress; !slices.Equal(got, []api.LoadBalancerIngress{{IP: "10.0.0.1"}}) {
		t.Errorf("after n2 went NotReady: status %+v, want 10.0.0.1 only", got)
	}
	if got := events(); len(got) != 0 {
		t.Errorf("events %q after the loser was deleted, want none", got)
	}
	if calls != callsBefore+1 {
		t.Errorf("conflicts computed %d more times after an Ingress was deleted, want 1", calls-callsBefore)
	}
}
