package pods

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/api"
)

// evictRequest asks a worker to evict its pod; done closes when it has.
type evictRequest struct {
	message string
	done    chan struct{}
}

// evict fails the pod for good, as kubelet's eviction does: phase Failed,
// reason Evicted and msg as its status, a Warning event, every container
// killed at once (the node is short of disk: no grace) and removed with
// its writable layer, and its emptyDir data deleted. Its controller then
// replaces it. Logs stay until the pod is deleted.
func (w *worker) evict(ctx context.Context, msg string) {
	if w.evicted.Load() {
		return
	}
	w.m.logger.Warn("evicting pod", "pod", w.key, "message", msg)
	w.failed, w.reason, w.message = true, ReasonEvicted, msg
	w.evicted.Store(true)
	w.event(nil, api.EventWarning, ReasonEvicted, msg)
	w.killAll(ctx)
	w.report()
}

// restoreEvicted takes up a pod evicted before the agent restarted: it
// stays Failed and nothing of it runs.
func (w *worker) restoreEvicted(ctx context.Context) {
	st := w.pod.Status
	w.failed, w.reason, w.message = true, st.Reason, st.Message
	w.evicted.Store(true)
	for _, cs := range slices.Concat(st.InitContainerStatuses, st.ContainerStatuses) {
		for _, c := range w.all() {
			if c.spec.Name != cs.Name {
				continue
			}
			c.restarts, c.last, c.imageID = cs.RestartCount, cs.LastState.Terminated, cs.ImageID
			if t := cs.State.Terminated; t != nil {
				tt := *t
				c.term = &tt
			}
		}
	}
	w.killAll(ctx)
}

// killAll kills and removes the pod's containers and deletes its emptyDir
// volumes (a medium: Memory one is unmounted).
func (w *worker) killAll(ctx context.Context) {
	for _, c := range w.all() {
		c.stopProbes()
		if c.running {
			if err := w.m.rt.StopContainer(ctx, c.id, 0); err != nil {
				w.m.logger.Warn("kill container of evicted pod", "pod", w.key, "container", c.spec.Name, "err", err)
			}
			code := int32(137)
			if info, err := w.m.rt.ContainerStatus(ctx, c.id); err == nil && info.State == runtime.StateExited {
				code = info.ExitCode
			}
			c.term = &api.ContainerStateTerminated{ExitCode: code, Reason: "Error", Message: "the pod was evicted",
				StartedAt: timePtr(c.startedAt), FinishedAt: timePtr(time.Now())}
		}
		c.running, c.ready, c.waiting = false, false, nil
		if err := w.m.rt.RemoveContainer(ctx, c.id); err != nil && !errors.Is(err, runtime.ErrNotFound) {
			w.m.logger.Warn("remove container of evicted pod", "pod", w.key, "container", c.spec.Name, "err", err)
		} else {
			c.created = false
		}
	}
	if err := removePodDir(filepath.Join(podDir(w.m.cfg.DataDir, w.uid), "volumes", "empty-dir")); err != nil {
		w.m.logger.Warn("remove emptyDir volumes of evicted pod", "pod", w.key, "err", err)
	}
}

// evictPod evicts the pod uid running here with msg and waits until its
// containers are gone and its emptyDir data deleted; false if no worker
// runs it (any more) or ctx ended first.
func (m *Manager) evictPod(ctx context.Context, uid, msg string) bool {
	m.mu.Lock()
	w := m.workers[uid]
	m.mu.Unlock()
	if w == nil || w.stopping() || w.evicted.Load() {
		return false
	}
	r := evictRequest{message: msg, done: make(chan struct{})}
	select {
	case w.evictCh <- r:
	case <-w.done:
		return false
	case <-ctx.Done():
		return false
	}
	select {
	case <-r.done:
		return true
	case <-w.done:
		return false
	case <-ctx.Done():
		return false
	}
}

// evictable lists the pods running here that eviction may pick: not
// stopping, not evicted, not finished, as the replica holds them.
func (m *Manager) evictable() []*api.Pod {
	m.mu.Lock()
	ws := make([]*worker, 0, len(m.workers))
	for _, w := range m.workers {
		if !w.stopping() && !w.evicted.Load() {
			ws = append(ws, w)
		}
	}
	m.mu.Unlock()
	var out []*api.Pod
	for _, w := range ws {
		ns, name, _ := strings.Cut(w.key, "/")
		o, ok := m.view.Get("Pod", ns, name)
		if !ok {
			continue
		}
		// A pod that has finished is left to its controller, which
		// deletes it (and so its data) soon.
		if p := o.(*api.Pod); p.UID == w.uid && p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed {
			out = append(out, p)
		}
	}
	return out
}
