package pods

import (
	"context"
	"slices"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// takeImages applies an updated pod's new container images, the one part
// of a stored pod's spec an apply may change (api.PodMutableFields). As
// kubelet restarts a container whose definition changed, a running
// container whose image changed is stopped (its grace period) and started
// again at once with the new image, whatever the restart policy; a
// container not running picks up the new image at its next start, and one
// finished for good stays finished.
func (w *worker) takeImages(ctx context.Context, p *api.Pod) {
	specs := map[string]api.Container{}
	for _, c := range slices.Concat(p.Spec.InitContainers, p.Spec.Containers) {
		specs[c.Name] = c
	}
	for _, c := range w.all() {
		next, ok := specs[c.spec.Name]
		if !ok || next.Image == c.spec.Image {
			continue
		}
		old := c.spec.Image
		c.spec.Image, c.spec.ImagePullPolicy = next.Image, next.ImagePullPolicy
		if !c.running {
			continue
		}
		w.event(c, api.EventNormal, "Killing", "Container "+c.spec.Name+" definition changed (image "+old+" to "+next.Image+"), will be restarted")
		c.stopProbes()
		c.respawn, c.killReason = true, "image changed to "+next.Image
		if err := w.stopperOf(c).stop(ctx, w.gracePeriod(p)); err != nil {
			w.m.logger.Warn("stop container for its new image", "pod", w.key, "container", c.spec.Name, "err", err)
		}
	}
}

// gracePeriod is the pod's termination grace period.
func (w *worker) gracePeriod(p *api.Pod) time.Duration {
	if g := p.Spec.TerminationGracePeriodSeconds; g != nil {
		return time.Duration(*g) * time.Second
	}
	return time.Duration(api.DefaultTerminationGracePeriodSeconds) * time.Second
}
