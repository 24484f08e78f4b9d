package controller

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/placement/svcaddr"
)

// ServiceEventComponent is the source component of the Events the
// services stage writes; it deletes them when their Service is gone.
const ServiceEventComponent = "service-controller"

// ServiceEventRepeat is how often a warning that still holds (a
// LoadBalancer left pending, exhausted addresses) raises its Event's
// count. In between, passes that find the same warning write nothing.
const ServiceEventRepeat = 10 * time.Minute

// ServiceEventTTL is how long an Event of the services stage stays after
// its warning stopped holding (as Kubernetes' default event TTL).
const ServiceEventTTL = time.Hour

// syncServices gives Services their cluster IPs, node ports and
// load-balancer status (package svcaddr decides), records a Warning Event
// for every address a Service did not get, and deletes this stage's
// Events of Services that are gone and those whose warning stopped
// holding ServiceEventTTL ago. It does nothing when Config.Services has no
// service CIDR.
func (p *pass) syncServices() {
	if !p.cfg.Services.ServiceCIDR.IsValid() {
		return
	}
	live := make(map[string]bool, len(p.services))
	for _, s := range p.services {
		live[s.UID] = true
	}
	events := map[api.Key]*api.Event{}
	for _, e := range p.events {
		if e.InvolvedObject.Kind != "Service" || e.Source.Component != ServiceEventComponent {
			continue
		}
		if !live[e.InvolvedObject.UID] {
			p.remove(e)
			continue
		}
		events[api.KeyOf(e)] = e
	}
	for _, d := range svcaddr.Allocate(p.cfg.Services, p.services, svcaddr.ReadyNodeAddresses(p.nodeList)) {
		switch {
		case d.SpecChanged:
			p.update(d.Service)
		case d.StatusChanged:
			p.status(d.Service)
		}
		for _, w := range d.Warnings {
			delete(events, p.serviceEvent(d.Service, w, events))
		}
	}
	// What is left in events no longer holds.
	for _, e := range events {
		if e.LastTimestamp == nil || p.now.Sub(*e.LastTimestamp) > ServiceEventTTL {
			p.remove(e)
		}
	}
}

// serviceEvent records warning w about s: a new Event, or a raised count
// on the existing one when ServiceEventRepeat has passed since it was last
// raised. It returns the Event's key.
func (p *pass) serviceEvent(s *api.Service, w svcaddr.Warning, existing map[api.Key]*api.Event) api.Key {
	h := sha256.Sum256([]byte(s.UID + "\x00" + w.Reason + "\x00" + w.Message))
	key := api.Key{Kind: "Event", Namespace: s.Namespace, Name: api.EventName(s.Name, hex.EncodeToString(h[:6]))}
	now := p.now.UTC()
	if old := existing[key]; old != nil {
		if old.LastTimestamp != nil && now.Sub(*old.LastTimestamp) < ServiceEventRepeat {
			return key
		}
		e := api.DeepCopy(old)
		e.Count++
		e.LastTimestamp = &now
		p.update(e)
		return key
	}
	obj, err := api.New("Event")
	if err != nil {
		return key // cannot happen: Event is registered by package api
	}
	e := obj.(*api.Event)
	e.Name, e.Namespace = key.Name, key.Namespace
	e.InvolvedObject = api.ObjectReference{Kind: "Service", Namespace: s.Namespace, Name: s.Name, UID: s.UID}
	e.Type, e.Reason, e.Message, e.Count = api.EventWarning, w.Reason, w.Message, 1
	first := now
	e.FirstTimestamp, e.LastTimestamp = &first, &now
	e.Source = api.EventSource{Component: ServiceEventComponent}
	p.create(e)
	return key
}
