package pods

import (
	"context"
	"fmt"
	"time"

	"github.com/shoal-dev/shoal/agent/runtime/cni"
	"github.com/shoal-dev/shoal/api"
)

// NetNSPather is implemented by a Network that knows, before Setup, the
// path a pod's network namespace will have. With it, a pod's containers
// are created (image, snapshot, spec) while its sandbox is set up, and
// only their tasks wait for the network.
type NetNSPather interface {
	NetNSPath(uid string) string
}

// NetNSPreparer is implemented by a Network that can make a pod's
// network namespace before Setup (which then only adds the pod to the
// network). With it, the tasks of a pod's containers are created too
// (shim, runc create) while CNI runs; only their start waits for it.
type NetNSPreparer interface {
	PrepareNetNS(uid string) (string, error)
}

// TaskPreparer is implemented by a Runtime that can create a container's
// task ahead of its start (runtime.Runtime.PrepareTask).
type TaskPreparer interface {
	PrepareTask(ctx context.Context, id, logPath string) error
}

// setupSandbox sets up the pod's sandbox and, meanwhile, creates the
// containers that can be made before the pod's IP is known (createEarly)
// and, when the network namespace can be made first, their tasks. When
// the sandbox fails, the containers it created are removed again.
func (w *worker) setupSandbox(ctx context.Context) (cni.Sandbox, error) {
	type result struct {
		sb  cni.Sandbox
		err error
	}
	pod := w.pod
	nsReady := w.prepareNetNS()
	res := make(chan result, 1)
	go func() {
		sb, err := w.m.net.Setup(ctx, cni.PodRef{UID: pod.UID, Namespace: pod.Namespace, Name: pod.Name}, portMappings(pod))
		res <- result{sb, err}
	}()
	early := w.createEarly(ctx)
	tasks := nsReady && w.prepareTasks(ctx, early)
	r := <-res
	if r.err == nil && tasks {
		// The tasks bound /etc/hosts as it was before the pod had an IP.
		r.err = rewriteHosts(w.m.cfg.DataDir, pod, w.m.etcEnv(r.sb.IP.String()))
		if r.err != nil {
			// The sandbox stays (the next Setup finds it); the containers
			// go, and the next pass makes them with the right file.
			r.err = fmt.Errorf("pod /etc/hosts: %w", r.err)
		}
	}
	if r.err != nil {
		for _, c := range early {
			c.fresh = false
			if err := w.m.rt.RemoveContainer(context.WithoutCancel(ctx), c.id); err != nil {
				// Still created: the next start removes it first.
				w.m.logger.Warn("remove container made for a pod whose sandbox failed", "pod", w.key, "container", c.spec.Name, "err", err)
				continue
			}
			c.created = false
		}
	}
	return r.sb, r.err
}

// prepareNetNS makes the pod's network namespace ahead of Setup when the
// network can and the pod's containers are made early; it reports
// whether the namespace is there.
func (w *worker) prepareNetNS() bool {
	p, ok := w.m.net.(NetNSPreparer)
	if !ok || !w.earlyCreate() {
		return false
	}
	if _, ok := w.m.rt.(TaskPreparer); !ok {
		return false
	}
	if _, err := p.PrepareNetNS(w.uid); err != nil {
		w.m.logger.Debug("prepare pod network namespace", "pod", w.key, "err", err)
		return false
	}
	return true
}

// prepareTasks creates the tasks of the containers made early, each for
// its next run's log, so their start only has to run them. It reports
// whether it created any.
func (w *worker) prepareTasks(ctx context.Context, early []*ctr) bool {
	tp, ok := w.m.rt.(TaskPreparer)
	if !ok {
		return false
	}
	made := false
	for _, c := range early {
		logPath := LogPath(w.m.cfg.DataDir, w.pod.Namespace, w.pod.Name, w.uid, c.spec.Name, c.restarts)
		t0 := time.Now()
		if err := tp.PrepareTask(ctx, c.id, logPath); err != nil {
			// The start creates the task itself.
			w.m.logger.Debug("prepare task", "pod", w.key, "container", c.spec.Name, "err", err)
			continue
		}
		w.m.logger.Debug("task prepared", "pod", w.key, "container", c.spec.Name, "ms", ms(time.Since(t0)))
		made = true
	}
	return made
}

// createEarly creates, before the pod's sandbox is up, the containers the
// next pass would start: only for a pod without init containers (they
// run first, one by one) whose containers do not need its IP in their
// environment, and only with a Network that names the namespace ahead.
// /etc/hosts is written without the pod's IP here and again with it
// before any container starts (the bind mount is made at start).
func (w *worker) createEarly(ctx context.Context) []*ctr {
	p, ok := w.m.net.(NetNSPather)
	if !ok || !w.earlyCreate() {
		return nil
	}
	vols, err := volumes(w.m.cfg.DataDir, w.m.view, w.pod)
	if err != nil {
		return nil
	}
	etc, err := etcFiles(w.m.cfg.DataDir, w.pod, w.m.etcEnv(""))
	if err != nil {
		return nil
	}
	now := time.Now()
	var out []*ctr
	for _, c := range w.ctrs {
		if c.created || c.running || c.term != nil || now.Before(c.nextStart) {
			continue
		}
		if w.create(ctx, c, vols, etc, p.NetNSPath(w.uid), "") {
			c.fresh = true
			out = append(out, c)
		}
	}
	return out
}

// earlyCreate reports whether the pod's containers may be made before its
// IP is known: no init containers (they run first, one by one) and no
// container whose environment names the pod's IP.
func (w *worker) earlyCreate() bool {
	return len(w.inits) == 0 && !envNeedsPodIP(w.pod)
}

// envNeedsPodIP reports whether a container's environment refers to the
// pod's IP.
func envNeedsPodIP(pod *api.Pod) bool {
	for _, c := range pod.Spec.Containers {
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
				switch e.ValueFrom.FieldRef.FieldPath {
				case "status.podIP", "status.podIPs":
					return true
				}
			}
		}
	}
	return false
}
