package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	containerd "github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/core/images"
	"github.com/containerd/containerd/v2/core/images/archive"
	"github.com/containerd/containerd/v2/core/remotes"
	"github.com/containerd/containerd/v2/core/remotes/docker"
	"github.com/distribution/reference"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Snapshotter is the snapshotter every image is unpacked for.
const Snapshotter = "overlayfs"

// ImageInfo describes one image in containerd.
type ImageInfo struct {
	Ref    string // full reference, e.g. docker.io/library/busybox:latest
	Digest string // digest of the manifest or index
	Size   int64  // bytes of content for this platform
}

// NormalizeRef turns a short reference into a full one:
// "busybox" -> "docker.io/library/busybox:latest".
func NormalizeRef(ref string) (string, error) {
	named, err := reference.ParseDockerRef(ref)
	if err != nil {
		return "", fmt.Errorf("image reference %q: %w", ref, err)
	}
	return named.String(), nil
}

// ImportImages loads a docker-archive or OCI-layout tarball and unpacks
// every image in it for Snapshotter.
func (r *Runtime) ImportImages(ctx context.Context, rd io.Reader) ([]ImageInfo, error) {
	imgs, err := r.client.Import(ctx, rd,
		containerd.WithDigestRef(archive.DigestTranslator("import")),
		containerd.WithSkipDigestRef(func(name string) bool { return name != "" }),
	)
	if err != nil {
		return nil, fmt.Errorf("import images (want a docker-archive or OCI-layout tarball): %w", err)
	}
	if len(imgs) == 0 {
		return nil, errors.New("import images: the archive holds no images")
	}
	out := make([]ImageInfo, 0, len(imgs))
	for _, img := range imgs {
		image := containerd.NewImage(r.client, img)
		if err := image.Unpack(ctx, Snapshotter); err != nil {
			return nil, fmt.Errorf("unpack %s: %w", img.Name, err)
		}
		info, err := r.imageInfo(ctx, image)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}

// PullImage fetches ref (normalised) from its registry and unpacks it.
// progress, if not nil, is called now and then with bytes fetched so far
// and bytes known to fetch.
func (r *Runtime) PullImage(ctx context.Context, ref string, progress func(done, total int64)) (ImageInfo, error) {
	return r.pullImage(ctx, ref, r.resolver(), progress)
}

// pullImage is PullImage through resolver.
func (r *Runtime) pullImage(ctx context.Context, ref string, resolver remotes.Resolver, progress func(done, total int64)) (ImageInfo, error) {
	full, err := NormalizeRef(ref)
	if err != nil {
		return ImageInfo{}, err
	}
	tracker := &pullProgress{}
	opts := []containerd.RemoteOpt{
		containerd.WithPullUnpack,
		containerd.WithPullSnapshotter(Snapshotter),
		containerd.WithResolver(resolver),
		containerd.WithImageHandler(images.HandlerFunc(tracker.handle)),
	}
	stop := func() {}
	if progress != nil {
		stop = tracker.report(ctx, r, progress)
	}
	image, err := r.client.Pull(ctx, full, opts...)
	stop()
	if err != nil {
		return ImageInfo{}, wrapErr(err, "pull %s", full)
	}
	info, err := r.imageInfo(ctx, image)
	if err != nil {
		return ImageInfo{}, err
	}
	if progress != nil {
		total := tracker.total()
		progress(total, total)
	}
	return info, nil
}

// resolver talks HTTPS to registries, plain HTTP to the insecure ones,
// with credentials from the registry config.
func (r *Runtime) resolver() remotes.Resolver {
	insecure := func(host string) (bool, error) {
		return slices.Contains(r.cfg.InsecureRegistries, host), nil
	}
	authorizer := docker.NewDockerAuthorizer(docker.WithAuthCreds(r.auth.credentials))
	return docker.NewResolver(docker.ResolverOptions{
		Hosts: docker.ConfigureDefaultRegistries(docker.WithPlainHTTP(insecure), docker.WithAuthorizer(authorizer)),
	})
}

// GetImage describes the image ref (normalised); ErrNotFound if absent.
func (r *Runtime) GetImage(ctx context.Context, ref string) (ImageInfo, error) {
	full, err := NormalizeRef(ref)
	if err != nil {
		return ImageInfo{}, err
	}
	image, err := r.client.GetImage(ctx, full)
	if err != nil {
		return ImageInfo{}, wrapErr(err, "get image %s", full)
	}
	return r.imageInfo(ctx, image)
}

// ListImages describes every image in the namespace.
func (r *Runtime) ListImages(ctx context.Context) ([]ImageInfo, error) {
	imgs, err := r.client.ListImages(ctx)
	if err != nil {
		return nil, wrapErr(err, "list images")
	}
	out := make([]ImageInfo, 0, len(imgs))
	for _, image := range imgs {
		info, err := r.imageInfo(ctx, image)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}

func (r *Runtime) imageInfo(ctx context.Context, image containerd.Image) (ImageInfo, error) {
	size, err := image.Size(ctx)
	if err != nil {
		return ImageInfo{}, wrapErr(err, "size of image %s", image.Name())
	}
	return ImageInfo{Ref: image.Name(), Digest: image.Target().Digest.String(), Size: size}, nil
}

// pullProgress adds up the blobs a pull fetches.
type pullProgress struct {
	mu    sync.Mutex
	blobs []ocispec.Descriptor
}

// handle records every layer and config the pull walks.
func (p *pullProgress) handle(_ context.Context, desc ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	if images.IsLayerType(desc.MediaType) || images.IsConfigType(desc.MediaType) {
		p.mu.Lock()
		p.blobs = append(p.blobs, desc)
		p.mu.Unlock()
	}
	return nil, nil
}

func (p *pullProgress) total() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var n int64
	for _, d := range p.blobs {
		n += d.Size
	}
	return n
}

// report calls progress every 250ms until the returned stop is called.
func (p *pullProgress) report(ctx context.Context, r *Runtime, progress func(done, total int64)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				progress(p.done(ctx, r), p.total())
			}
		}
	}()
	return func() {
		cancel()
		<-finished
	}
}

// done is bytes of the recorded blobs in the content store, counting
// partial downloads in flight.
func (p *pullProgress) done(ctx context.Context, r *Runtime) int64 {
	p.mu.Lock()
	blobs := slices.Clone(p.blobs)
	p.mu.Unlock()
	cs := r.client.ContentStore()
	statuses, err := cs.ListStatuses(ctx)
	if err != nil {
		statuses = nil
	}
	var n int64
	for _, d := range blobs {
		if _, err := cs.Info(ctx, d.Digest); err == nil {
			n += d.Size
			continue
		}
		for _, s := range statuses {
			if strings.Contains(s.Ref, d.Digest.String()) {
				n += s.Offset
				break
			}
		}
	}
	return n
}
