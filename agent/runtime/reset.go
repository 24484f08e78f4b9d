package runtime

import (
	"context"
	"errors"
	"fmt"

	"github.com/containerd/containerd/v2/core/images"
	"github.com/containerd/containerd/v2/core/leases"
	"github.com/containerd/containerd/v2/core/snapshots"
	"github.com/containerd/errdefs"
)

// Removed counts what RemoveAll deleted.
type Removed struct {
	Containers, Images, Snapshots int
}

// RemoveAll deletes everything in the runtime's containerd namespace: every
// container (its task killed first) with its snapshot, every image, the
// snapshots left over, and then the namespace itself. It is for `shoal
// reset`, once the agent is stopped. It does all it can and returns every
// failure joined.
func (r *Runtime) RemoveAll(ctx context.Context) (Removed, error) {
	var done Removed
	var errs []error
	cs, err := r.client.Containers(ctx)
	if err != nil {
		return done, wrapErr(err, "list containers")
	}
	for _, c := range cs {
		if err := r.RemoveContainer(ctx, c.ID()); err != nil {
			errs = append(errs, err)
			continue
		}
		done.Containers++
	}
	is := r.client.ImageService()
	imgs, err := is.List(ctx)
	if err != nil {
		errs = append(errs, wrapErr(err, "list images"))
	}
	for _, img := range imgs {
		if err := is.Delete(ctx, img.Name, images.SynchronousDelete()); err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, wrapErr(err, "delete image %s", img.Name))
			continue
		}
		done.Images++
	}
	sn := r.client.SnapshotService("")
	// Children before parents: delete what has no children until nothing
	// is left or a pass deletes nothing.
	for range 64 {
		var keys []string
		parents := map[string]bool{}
		if err := sn.Walk(ctx, func(_ context.Context, info snapshots.Info) error {
			keys = append(keys, info.Name)
			if info.Parent != "" {
				parents[info.Parent] = true
			}
			return nil
		}); err != nil {
			errs = append(errs, wrapErr(err, "list snapshots"))
			break
		}
		n := 0
		for _, k := range keys {
			if parents[k] {
				continue
			}
			if err := sn.Remove(ctx, k); err != nil && !errdefs.IsNotFound(err) {
				errs = append(errs, wrapErr(err, "remove snapshot %s", k))
				continue
			}
			n++
		}
		done.Snapshots += n
		if n == 0 {
			break
		}
	}
	ls := r.client.LeasesService()
	if all, err := ls.List(ctx); err == nil {
		for _, l := range all {
			if err := ls.Delete(ctx, l, leases.SynchronousDelete); err != nil && !errdefs.IsNotFound(err) {
				errs = append(errs, wrapErr(err, "delete lease %s", l.ID))
			}
		}
	} else {
		errs = append(errs, wrapErr(err, "list leases"))
	}
	if len(errs) == 0 {
		if err := r.client.NamespaceService().Delete(ctx, r.cfg.Namespace); err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete containerd namespace %s: %w", r.cfg.Namespace, err))
		}
	}
	return done, errors.Join(errs...)
}
