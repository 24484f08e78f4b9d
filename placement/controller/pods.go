package controller

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// isTerminal reports whether the pod's containers have all stopped for
// good (Failed or Succeeded): it must be deleted and replaced.
func isTerminal(pod *api.Pod) bool {
	return pod.Status.Phase == api.PodFailed || pod.Status.Phase == api.PodSucceeded
}

// isActive reports whether the pod counts toward its owner's replicas: not
// terminal and not being deleted.
func isActive(pod *api.Pod) bool {
	return !isTerminal(pod) && pod.DeletionTimestamp == nil
}

// podReadyCondition returns the pod's Ready condition, or nil.
func podReadyCondition(pod *api.Pod) *api.PodCondition { return pod.Status.Condition(api.PodReady) }

// nodeReady reports whether the named node exists and is Ready.
func (p *pass) nodeReady(name string) bool {
	n := p.nodes[name]
	return n != nil && n.IsReady()
}

// isReady reports whether the pod is active, Running, Ready and on a Ready
// node: a pod on a node that stopped answering serves nobody, whatever its
// last reported condition says.
func (p *pass) isReady(pod *api.Pod) bool {
	if !isActive(pod) || pod.Status.Phase != api.PodRunning || !p.nodeReady(pod.Spec.NodeName) {
		return false
	}
	c := podReadyCondition(pod)
	return c != nil && c.Status == api.ConditionTrue
}

// isAvailable reports whether the pod is ready and has been for at least
// minReadySeconds (measured from its Ready condition's
// lastTransitionTime).
func (p *pass) isAvailable(pod *api.Pod, minReadySeconds int32) bool {
	if !p.isReady(pod) {
		return false
	}
	if minReadySeconds <= 0 {
		return true
	}
	c := podReadyCondition(pod)
	return c.LastTransitionTime != nil &&
		!p.now.Before(c.LastTransitionTime.Add(time.Duration(minReadySeconds)*time.Second))
}

// podCounts are the usual replica counters over some pods.
type podCounts struct {
	active, ready, available int32
}

// countKey names a cached podCounts.
type countKey struct {
	owner    string
	minReady int32
}

// count counts the active pods of the owner with the uid (cached: the
// Deployment and the ReplicaSet stage both ask).
func (p *pass) count(uid string, minReadySeconds int32) podCounts {
	k := countKey{uid, minReadySeconds}
	if c, ok := p.counts[k]; ok {
		return c
	}
	var c podCounts
	for _, pod := range p.owned[uid] {
		if !isActive(pod) {
			continue
		}
		c.active++
		if p.isReady(pod) {
			c.ready++
			if p.isAvailable(pod, minReadySeconds) {
				c.available++
			}
		}
	}
	p.counts[k] = c
	return c
}

// templateJSON is a pod template encoded once and decoded per pod: a deep
// copy that costs one decode per pod.
type templateJSON []byte

func encodeTemplate(t *api.PodTemplateSpec) templateJSON {
	b, err := json.Marshal(t)
	if err != nil {
		panic(fmt.Sprintf("controller: marshal pod template: %v", err))
	}
	return b
}

// newPod returns a Pending, unbound pod made from the template, named name
// in namespace and controlled by owner.
func (t templateJSON) newPod(namespace, name string, owner api.OwnerReference) *api.Pod {
	var tmpl api.PodTemplateSpec
	if err := json.Unmarshal(t, &tmpl); err != nil {
		panic(fmt.Sprintf("controller: unmarshal pod template: %v", err))
	}
	pod := &api.Pod{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{
			Name:            name,
			Namespace:       namespace,
			Labels:          tmpl.Labels,
			Annotations:     tmpl.Annotations,
			OwnerReferences: []api.OwnerReference{owner},
		},
		Spec:   tmpl.Spec,
		Status: api.PodStatus{Phase: api.PodPending},
	}
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Spec.NodeName = ""
	return pod
}

// byDeletionPreference sorts pods so that the ones to delete first come
// first: unscheduled, then Pending, then not ready, then not available,
// then the most recently created; ties broken by name.
func (p *pass) byDeletionPreference(pods []*api.Pod, minReadySeconds int32) []*api.Pod {
	type ranked struct {
		pod  *api.Pod
		rank [4]bool // true sorts first
	}
	rs := make([]ranked, len(pods))
	for i, pod := range pods {
		rs[i] = ranked{pod, [4]bool{
			pod.Spec.NodeName == "",
			pod.Status.Phase != api.PodRunning,
			!p.isReady(pod),
			!p.isAvailable(pod, minReadySeconds),
		}}
	}
	slices.SortFunc(rs, func(a, b ranked) int {
		for i := range a.rank {
			if a.rank[i] != b.rank[i] {
				if a.rank[i] {
					return -1
				}
				return 1
			}
		}
		if c := compareTimes(b.pod.CreationTimestamp, a.pod.CreationTimestamp); c != 0 {
			return c // newer first
		}
		return cmp.Compare(a.pod.Name, b.pod.Name)
	})
	out := make([]*api.Pod, len(rs))
	for i := range rs {
		out[i] = rs[i].pod
	}
	return out
}

// compareTimes orders times, a missing one first.
func compareTimes(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return a.Compare(*b)
}

// withLabel returns a copy of labels with key=value added.
func withLabel(labels map[string]string, key, value string) map[string]string {
	out := maps.Clone(labels)
	if out == nil {
		out = map[string]string{}
	}
	out[key] = value
	return out
}

// int32Or dereferences v, or returns def for nil.
func int32Or(v *int32, def int32) int32 {
	if v == nil {
		return def
	}
	return *v
}

// sameJSON reports whether a and b encode to the same JSON: how the store
// compares what it keeps.
func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}
