package pods

import (
	"context"
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

// setupSandbox sets up the pod's sandbox and, meanwhile, creates the
// containers that can be made before the pod's IP is known (createEarly).
// When the sandbox fails, the containers it created are removed again.
func (w *worker) setupSandbox(ctx context.Context) (cni.Sandbox, error) {
	type result struct {
		sb  cni.Sandbox
		err error
	}
	pod := w.pod
	res := make(chan result, 1)
	go func() {
		sb, err := w.m.net.Setup(ctx, cni.PodRef{UID: pod.UID, Namespace: pod.Namespace, Name: pod.Name}, portMappings(pod))
		res <- result{sb, err}
	}()
	early := w.createEarly(ctx)
	r := <-res
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

// createEarly creates, before the pod's sandbox is up, the containers the
// next pass would start: only for a pod without init containers (they
// run first, one by one) whose containers do not need its IP in their
// environment, and only with a Network that names the namespace ahead.
// /etc/hosts is written without the pod's IP here and again with it
// before any container starts (the bind mount is made at start).
func (w *worker) createEarly(ctx context.Context) []*ctr {
	p, ok := w.m.net.(NetNSPather)
	if !ok || len(w.inits) > 0 || envNeedsPodIP(w.pod) {
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
