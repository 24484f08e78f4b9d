package pods

import (
	"time"

	"github.com/shoal-dev/shoal/api"
)

// status is the pod's status as this node sees it.
func (w *worker) status() api.PodStatus {
	st := api.PodStatus{
		HostIP:    w.m.cfg.NodeIP,
		StartTime: timePtr(w.startTime),
		Message:   w.message,
		Reason:    w.reason,
	}
	if w.sandbox != nil && w.sandbox.IP.IsValid() {
		st.PodIP = w.sandbox.IP.String()
		st.PodIPs = []api.PodIP{{IP: st.PodIP}}
	}
	initialized := w.isInitialized()
	ready := initialized && len(w.ctrs) > 0
	for _, c := range w.inits {
		st.InitContainerStatuses = append(st.InitContainerStatuses, c.status())
		if c.sidecar && (!c.ready || !c.running) {
			// A sidecar's readiness counts towards the pod's.
			ready = false
		}
	}
	for _, c := range w.ctrs {
		cs := c.status()
		if !initialized && cs.State.Waiting != nil && cs.State.Waiting.Reason == "ContainerCreating" {
			// As the kubelet says: waiting for the init containers.
			cs.State.Waiting = &api.ContainerStateWaiting{Reason: "PodInitializing"}
		}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
		if !c.ready || !c.running {
			ready = false
		}
	}
	st.Phase = w.phase(initialized)
	if st.Phase == api.PodSucceeded || st.Phase == api.PodFailed {
		ready = false
	}
	st.Conditions = []api.PodCondition{
		w.condition(api.PodScheduled, true, ""),
		w.condition(api.PodInitialized, initialized, "ContainersNotInitialized"),
		w.condition(api.ContainersReady, ready, "ContainersNotReady"),
		w.condition(api.PodReady, ready, "ContainersNotReady"),
	}
	return st
}

// phase follows Kubernetes: Pending until every container has started at
// least once, Running while any runs or will restart, then Succeeded or
// Failed.
func (w *worker) phase(initialized bool) api.PodPhase {
	if w.failed {
		return api.PodFailed
	}
	if !initialized {
		return api.PodPending
	}
	allStarted, anyRunning, anyFailed, allOver := true, false, false, true
	for _, c := range w.ctrs {
		everRan := c.running || c.term != nil
		if !everRan {
			allStarted = false
		}
		if c.running {
			anyRunning = true
		}
		if c.running || c.waiting != nil || c.term == nil {
			allOver = false
		}
		if c.term != nil && c.term.ExitCode != 0 {
			anyFailed = true
		}
	}
	switch {
	case allOver && anyFailed:
		return api.PodFailed
	case allOver:
		return api.PodSucceeded
	case allStarted && (anyRunning || w.pod.Spec.RestartPolicy != api.RestartNever):
		return api.PodRunning
	}
	return api.PodPending
}

// condition builds a condition, keeping its transition time while its
// status does not change.
func (w *worker) condition(t api.PodConditionType, ok bool, falseReason string) api.PodCondition {
	c := api.PodCondition{Type: t, Status: api.ConditionTrue}
	if !ok {
		c.Status, c.Reason = api.ConditionFalse, falseReason
	}
	prev, seen := w.conds[t]
	if seen && prev.Status == c.Status {
		c.LastTransitionTime = prev.LastTransitionTime
	} else {
		c.LastTransitionTime = timePtr(time.Now())
	}
	w.conds[t] = c
	return c
}

// report sends the pod's status to the cluster if it differs from what the
// cluster holds.
func (w *worker) report() {
	st := w.status()
	if cur, ok := w.m.view.Get("Pod", w.pod.Namespace, w.pod.Name); ok {
		p := cur.(*api.Pod)
		if p.UID != w.uid || api.SameJSON(p.Status, st) {
			return
		}
	}
	out := &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: w.pod.Name, Namespace: w.pod.Namespace, UID: w.uid},
		Status:     st,
	}
	w.m.reporter.set(out)
}
