package controller

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// Source components of the Events the batch controllers record, as
// Kubernetes names them.
const (
	JobEventComponent     = "job-controller"
	CronJobEventComponent = "cronjob-controller"
)

// BatchEventTTL is how long an Event about a Job or CronJob stays (the
// Kubernetes API server's default event TTL); Events about objects that
// are gone go at once.
const BatchEventTTL = time.Hour

// Reasons of the batch controllers' Events, as Kubernetes writes them.
const (
	ReasonSuccessfulCreate = "SuccessfulCreate"
	ReasonSuccessfulDelete = "SuccessfulDelete"
	ReasonCompleted        = "Completed"
	ReasonSuspended        = "Suspended"
	ReasonResumed          = "Resumed"
	ReasonSawCompletedJob  = "SawCompletedJob"
	ReasonJobAlreadyActive = "JobAlreadyActive"
	// ReasonTooManyMissedTimes warns that a CronJob missed more than 100
	// runs and starts none.
	ReasonTooManyMissedTimes = "TooManyMissedTimes"
)

// isBatchEvent reports whether e was recorded by the batch controllers.
func isBatchEvent(e *api.Event) bool {
	switch e.Source.Component {
	case JobEventComponent:
		return e.InvolvedObject.Kind == "Job"
	case CronJobEventComponent:
		return e.InvolvedObject.Kind == "CronJob"
	}
	return false
}

// batchEvent records an Event about a Job or CronJob (m, of kind), once:
// its name hashes the object's uid, the reason, the message and once (what
// makes this occurrence unique, e.g. a pod's name or a schedule time), so a
// later pass that decides the same thing again (its first write failed)
// finds the Event in the snapshot and records nothing. The object must
// exist (have a uid): Events name live objects.
func (p *pass) batchEvent(kind string, m *api.ObjectMeta, typ, reason, msg, once string) {
	if m.UID == "" {
		return
	}
	component := JobEventComponent
	if kind == "CronJob" {
		component = CronJobEventComponent
	}
	h := sha256.Sum256([]byte(m.UID + "\x00" + reason + "\x00" + msg + "\x00" + once))
	key := api.Key{Kind: "Event", Namespace: m.Namespace, Name: api.EventName(m.Name, hex.EncodeToString(h[:6]))}
	if p.eventKeys == nil {
		p.eventKeys = make(map[api.Key]bool, len(p.events))
		for _, e := range p.events {
			p.eventKeys[api.KeyOf(e)] = true
		}
	}
	if p.eventKeys[key] {
		return
	}
	p.eventKeys[key] = true
	obj, err := api.New("Event")
	if err != nil {
		return // cannot happen: Event is registered by package api
	}
	e := obj.(*api.Event)
	e.Name, e.Namespace = key.Name, key.Namespace
	e.InvolvedObject = api.ObjectReference{Kind: kind, Namespace: m.Namespace, Name: m.Name, UID: m.UID}
	now := p.now.UTC()
	first := now
	e.Type, e.Reason, e.Message, e.Count = typ, reason, msg, 1
	e.FirstTimestamp, e.LastTimestamp = &first, &now
	e.Source = api.EventSource{Component: component}
	p.create(e)
}

// expireBatchEvents deletes the batch controllers' Events about Jobs and
// CronJobs that are gone, and those older than BatchEventTTL.
func (p *pass) expireBatchEvents() {
	for _, e := range p.events {
		if !isBatchEvent(e) {
			continue
		}
		old := e.LastTimestamp == nil || p.now.Sub(*e.LastTimestamp) > BatchEventTTL
		if old || !p.live[e.InvolvedObject.UID] {
			p.remove(e)
		}
	}
}
