package pods

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/api"
)

// ensureImage makes c's image present as its imagePullPolicy says.
func (w *worker) ensureImage(ctx context.Context, c *ctr) (runtime.ImageInfo, error) {
	ref := c.spec.Image
	img, err := w.m.rt.GetImage(ctx, ref)
	present := err == nil
	if err != nil && !errors.Is(err, runtime.ErrNotFound) {
		return img, err
	}
	switch c.spec.ImagePullPolicy {
	case api.PullNever:
		if !present {
			return img, fmt.Errorf("image %q is not present on node %s and imagePullPolicy is Never", ref, w.m.cfg.NodeName)
		}
		return img, nil
	case api.PullIfNotPresent:
		if present {
			w.event(c, api.EventNormal, "Pulled", fmt.Sprintf("Container image %q already present on machine", ref))
			return img, nil
		}
	}
	return w.pull(ctx, c, ref)
}

// pull pulls ref while keeping the container's waiting message (and so
// describe) up to date with the progress.
func (w *worker) pull(ctx context.Context, c *ctr, ref string) (runtime.ImageInfo, error) {
	type result struct {
		img runtime.ImageInfo
		err error
	}
	var done, total atomic.Int64
	resc := make(chan result, 1)
	started := time.Now()
	creds, problems := pullCredentials(w.m.view, w.pod)
	if len(problems) > 0 {
		w.event(c, api.EventWarning, "FailedToRetrieveImagePullSecret", pullSecretsMessage(problems))
	}
	go func() {
		img, err := w.m.rt.PullImageWith(ctx, ref, creds, func(d, t int64) { done.Store(d); total.Store(t) })
		resc <- result{img, err}
	}()
	w.event(c, api.EventNormal, "Pulling", fmt.Sprintf("Pulling image %q", ref))
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		msg := "pulling image " + ref
		if t := total.Load(); t > 0 {
			msg = fmt.Sprintf("pulling image %s: %s of %s", ref, mib(done.Load()), mib(t))
		}
		c.waiting = &api.ContainerStateWaiting{Reason: "ContainerCreating", Message: msg}
		w.report()
		select {
		case r := <-resc:
			if r.err != nil {
				w.event(c, api.EventWarning, "Failed", fmt.Sprintf("Failed to pull image %q: %v", ref, r.err))
				return r.img, fmt.Errorf("pull %s: %w", ref, r.err)
			}
			took := time.Since(started).Round(time.Millisecond)
			w.event(c, api.EventNormal, "Pulled", fmt.Sprintf("Successfully pulled image %q in %s (%s)", ref, took, mib(r.img.Size)))
			w.m.logger.Info("pulled image", "image", ref, "digest", r.img.Digest, "bytes", r.img.Size, "took", took)
			return r.img, nil
		case <-tick.C:
		}
	}
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
