package main

import (
	"fmt"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// podColumns are kubectl's pod columns after NAME: READY STATUS RESTARTS
// AGE, then IP and NODE with -o wide.
func podColumns() []column {
	pod := func(o api.Object) *api.Pod { return o.(*api.Pod) }
	return []column{
		{header: "READY", cell: func(o api.Object) string { return podReady(pod(o)) }},
		{header: "STATUS", cell: func(o api.Object) string { return podStatus(pod(o)) }},
		{header: "RESTARTS", cell: func(o api.Object) string { return podRestarts(pod(o), time.Now()) }},
		{header: "AGE", cell: func(o api.Object) string { return age(o.GetObjectMeta().CreationTimestamp) }},
		{header: "IP", wide: true, cell: func(o api.Object) string { return orNone(pod(o).Status.PodIP) }},
		{header: "NODE", wide: true, cell: func(o api.Object) string { return orNone(pod(o).Spec.NodeName) }},
	}
}

// podReady is the READY cell: ready containers out of the pod's containers
// and sidecars, as kubectl counts them.
func podReady(p *api.Pod) string {
	ready, total := 0, len(p.Spec.Containers)
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Ready && cs.State.Running != nil {
			ready++
		}
	}
	for _, cs := range p.Status.InitContainerStatuses {
		if isSidecar(p, cs.Name) {
			total++
			if cs.Ready && cs.State.Running != nil {
				ready++
			}
		}
	}
	return fmt.Sprintf("%d/%d", ready, total)
}

// isSidecar reports whether the init container name of p is a sidecar
// (restartPolicy Always).
func isSidecar(p *api.Pod, name string) bool {
	for i := range p.Spec.InitContainers {
		if p.Spec.InitContainers[i].Name == name {
			return p.Spec.InitContainers[i].IsSidecar()
		}
	}
	return false
}

// podStatus is the STATUS cell as kubectl computes it: the reason of the
// first init container that has not finished (Init:Error, Init:N/M...),
// else of the last container with a waiting or terminated reason
// (ContainerCreating, CrashLoopBackOff, ErrImagePull, OOMKilled,
// Completed, Error...), else the pod's reason or phase; Terminating once
// deleted, and the pod's reason (Evicted) once it failed as a whole.
func podStatus(p *api.Pod) string {
	reason := string(p.Status.Phase)
	if reason == "" {
		reason = string(api.PodPending)
	}
	if p.Status.Reason != "" {
		reason = p.Status.Reason
	}
	initializing := false
	for i, cs := range p.Status.InitContainerStatuses {
		t, w := cs.State.Terminated, cs.State.Waiting
		switch {
		case t != nil && t.ExitCode == 0:
			continue
		case cs.Started != nil && *cs.Started && isSidecar(p, cs.Name):
			continue // a started sidecar lets the next container start
		case t != nil:
			reason = "Init:" + exitReason(t)
		case w != nil && w.Reason != "" && w.Reason != "PodInitializing" && w.Reason != "ContainerCreating":
			reason = "Init:" + w.Reason
		default:
			reason = fmt.Sprintf("Init:%d/%d", i, len(p.Spec.InitContainers))
		}
		initializing = true
		break
	}
	if !initializing {
		hasRunning := false
		for i := len(p.Status.ContainerStatuses) - 1; i >= 0; i-- {
			cs := p.Status.ContainerStatuses[i]
			switch {
			case cs.State.Waiting != nil && cs.State.Waiting.Reason != "":
				reason = cs.State.Waiting.Reason
			case cs.State.Terminated != nil:
				reason = exitReason(cs.State.Terminated)
			case cs.Ready && cs.State.Running != nil:
				hasRunning = true
			}
		}
		// A finished container next to running ones: the pod still runs.
		if reason == "Completed" && hasRunning {
			reason = "NotReady"
			if c := p.Status.Condition(api.PodReady); c != nil && c.Status == api.ConditionTrue {
				reason = string(api.PodRunning)
			}
		}
	}
	if p.DeletionTimestamp != nil {
		return "Terminating"
	}
	if p.Status.Phase == api.PodFailed && p.Status.Reason != "" {
		return p.Status.Reason // e.g. Evicted: why the pod as a whole failed
	}
	return reason
}

// exitReason names a terminated container's end: its reason, or the
// signal or exit code when there is none.
func exitReason(t *api.ContainerStateTerminated) string {
	switch {
	case t.Reason != "":
		return t.Reason
	case t.ExitCode > 128:
		return fmt.Sprintf("Signal:%d", t.ExitCode-128)
	}
	return fmt.Sprintf("ExitCode:%d", t.ExitCode)
}

// podRestarts is the RESTARTS cell: the restarts of the pod's containers
// (of its init containers while they run), with how long ago the last one
// ended, e.g. "3 (45s ago)".
func podRestarts(p *api.Pod, now time.Time) string {
	var n int32
	var last *time.Time
	count := func(statuses []api.ContainerStatus) {
		for _, cs := range statuses {
			n += cs.RestartCount
			if t := cs.LastState.Terminated; t != nil && t.FinishedAt != nil && (last == nil || t.FinishedAt.After(*last)) {
				last = t.FinishedAt
			}
		}
	}
	count(p.Status.InitContainerStatuses)
	count(p.Status.ContainerStatuses)
	if n == 0 || last == nil {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%d (%s ago)", n, ageAt(*last, now))
}
