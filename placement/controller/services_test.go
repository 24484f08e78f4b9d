package controller

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/placement/svcaddr"
)

// newService is a defaulted Service with the given TCP ports.
func newService(name string, typ api.ServiceType, ports ...int32) *api.Service {
	s := &api.Service{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       api.ServiceSpec{Type: typ, Selector: map[string]string{"app": name}},
	}
	for i, p := range ports {
		s.Spec.Ports = append(s.Spec.Ports, api.ServicePort{Name: "p" + itoa(i), Port: p})
	}
	api.Default(s)
	return s
}

func (h *harness) service(name string) *api.Service {
	s, _ := h.objs[api.Key{Kind: "Service", Namespace: "default", Name: name}].(*api.Service)
	return s
}

// serviceEvents lists the Events about the named service.
func (h *harness) serviceEvents(name string) []*api.Event {
	var out []*api.Event
	for _, k := range h.keys() {
		if e, ok := h.objs[k].(*api.Event); ok && e.InvolvedObject.Name == name {
			out = append(out, e)
		}
	}
	return out
}

func ingressIPs(s *api.Service) []string {
	var out []string
	for _, in := range s.Status.LoadBalancer.Ingress {
		out = append(out, in.IP)
	}
	return out
}

func servicesHarness(t *testing.T) *harness {
	h := newHarness(t).withNodes(2)
	h.cfg.Services = svcaddr.Config{ServiceCIDR: netip.MustParsePrefix("10.43.0.0/16"), NodePorts: svcaddr.DefaultNodePortRange}
	return h
}

func TestServicesGetAddresses(t *testing.T) {
	h := servicesHarness(t)
	h.put(newService("web", api.ServiceTypeNodePort, 80))
	h.put(newService("lb", api.ServiceTypeLoadBalancer, 443))
	ch := h.step()
	if len(ch.Updates) != 2 {
		t.Fatalf("got %d updates, want 2 (one per service)", len(ch.Updates))
	}
	for _, n := range []string{"web", "lb"} {
		s := h.service(n)
		if s.Spec.ClusterIP == "" || s.Spec.Ports[0].NodePort == 0 {
			t.Errorf("%s: got clusterIP %q node port %d, want both allocated", n, s.Spec.ClusterIP, s.Spec.Ports[0].NodePort)
		}
	}
	if got := ingressIPs(h.service("lb")); !slices.Equal(got, []string{"192.0.2.1", "192.0.2.2"}) {
		t.Errorf("lb: got ingress %v, want both nodes", got)
	}
	if ch := h.step(); !ch.Empty() {
		t.Errorf("second pass: got %d writes, want none", ch.Len())
	}

	t.Run("ingress follows node readiness", func(t *testing.T) {
		h.failNode("n2")
		h.step()
		if got := ingressIPs(h.service("lb")); !slices.Equal(got, []string{"192.0.2.1"}) {
			t.Errorf("got ingress %v, want only the Ready n1", got)
		}
	})
}

func TestServicesConfigOffDoesNothing(t *testing.T) {
	h := newHarness(t).withNodes(1)
	h.put(newService("web", api.ServiceTypeClusterIP, 80))
	if ch := h.step(); !ch.Empty() {
		t.Fatalf("got %d writes with no service CIDR, want none", ch.Len())
	}
}

func TestPendingLoadBalancerEvents(t *testing.T) {
	h := servicesHarness(t)
	h.put(newService("first", api.ServiceTypeLoadBalancer, 80))
	h.now = h.now.Add(time.Second)
	h.put(newService("second", api.ServiceTypeLoadBalancer, 80))
	h.step()
	if got := ingressIPs(h.service("second")); got != nil {
		t.Fatalf("second: got ingress %v, want none (pending)", got)
	}
	evs := h.serviceEvents("second")
	if len(evs) != 1 {
		t.Fatalf("got %d events about second, want 1", len(evs))
	}
	ev := evs[0]
	if ev.Type != api.EventWarning || ev.Reason != svcaddr.ReasonPortInUse || !strings.Contains(ev.Message, "default/first") || ev.Count != 1 {
		t.Fatalf("got event %s %s %q count %d, want Warning PortInUse naming default/first, count 1", ev.Type, ev.Reason, ev.Message, ev.Count)
	}

	t.Run("the same warning is not written again", func(t *testing.T) {
		h.now = h.now.Add(time.Minute)
		if ch := h.step(); !ch.Empty() {
			t.Fatalf("got %d writes, want none", ch.Len())
		}
	})
	t.Run("a warning that still holds raises the count now and again", func(t *testing.T) {
		h.now = h.now.Add(ServiceEventRepeat)
		h.step()
		evs := h.serviceEvents("second")
		if len(evs) != 1 || evs[0].Count != 2 {
			t.Fatalf("got %d events (%+v), want one with count 2", len(evs), evs)
		}
	})
	t.Run("deleting the older one opens the newer", func(t *testing.T) {
		h.del("Service", "default", "first")
		h.step()
		if got := ingressIPs(h.service("second")); !slices.Equal(got, []string{"192.0.2.1", "192.0.2.2"}) {
			t.Fatalf("second: got ingress %v, want both nodes", got)
		}
	})
	t.Run("the event of a resolved warning stays for the TTL", func(t *testing.T) {
		h.now = h.now.Add(ServiceEventTTL - time.Minute)
		h.step()
		if evs := h.serviceEvents("second"); len(evs) != 1 {
			t.Fatalf("got %d events before the TTL, want 1", len(evs))
		}
		h.now = h.now.Add(2 * time.Minute)
		h.step()
		if evs := h.serviceEvents("second"); len(evs) != 0 {
			t.Fatalf("got %d events after the TTL, want none", len(evs))
		}
	})
	t.Run("a new conflict gets an event again", func(t *testing.T) {
		h.now = h.now.Add(time.Second)
		h.put(newService("third", api.ServiceTypeLoadBalancer, 80))
		h.step()
		if evs := h.serviceEvents("third"); len(evs) != 1 || !strings.Contains(evs[0].Message, "default/second") {
			t.Fatalf("got events %+v about third, want one naming default/second", evs)
		}
	})
	t.Run("the events of a deleted service are deleted", func(t *testing.T) {
		h.del("Service", "default", "second")
		h.step()
		if evs := h.serviceEvents("second"); len(evs) != 0 {
			t.Fatalf("got %d events about the deleted service, want none", len(evs))
		}
	})
}
