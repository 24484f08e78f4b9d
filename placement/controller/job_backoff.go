package controller

import (
	"time"

	"github.com/shoal-dev/shoal/api"
)

// Kubernetes' pod failure back-off for Jobs: after n failures since the
// last success, the next pod is created jobBackoffBase·2^(n-1) after the
// latest failure, at most jobBackoffMax.
const (
	jobBackoffBase = 10 * time.Second
	jobBackoffMax  = 6 * time.Minute
)

// backoffOver reports whether the job may create pods now: no pod failed
// since its latest success, or the back-off after the latest failure has
// passed.
func (p *pass) backoffOver(jp jobPods) bool {
	var lastSuccess time.Time
	for _, pod := range jp.succeeded {
		if t := podFinished(pod); t.After(lastSuccess) {
			lastSuccess = t
		}
	}
	n := 0
	var lastFailure time.Time
	for _, pod := range jp.failed {
		t := podFinished(pod)
		if !t.After(lastSuccess) {
			continue
		}
		n++
		if t.After(lastFailure) {
			lastFailure = t
		}
	}
	if n == 0 {
		return true
	}
	delay := jobBackoffMax
	if n <= 16 {
		delay = min(jobBackoffBase<<(n-1), jobBackoffMax)
	}
	return !p.now.Before(lastFailure.Add(delay))
}

// podFinished is when a finished pod ended: its containers' latest exit,
// else when its Ready condition last changed (a pod of a lost node), else
// its creation.
func podFinished(pod *api.Pod) time.Time {
	var t time.Time
	for _, cs := range pod.Status.ContainerStatuses {
		if x := cs.State.Terminated; x != nil && x.FinishedAt != nil && x.FinishedAt.After(t) {
			t = *x.FinishedAt
		}
	}
	if !t.IsZero() {
		return t
	}
	if c := podReadyCondition(pod); c != nil && c.LastTransitionTime != nil {
		return *c.LastTransitionTime
	}
	if pod.CreationTimestamp != nil {
		return *pod.CreationTimestamp
	}
	return t
}
