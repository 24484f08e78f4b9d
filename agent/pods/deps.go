package pods

import (
	"context"
	"time"

	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/agent/runtime/cni"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/view"
)

// Runtime is what the reconciler needs from containerd.
type Runtime interface {
	GetImage(ctx context.Context, ref string) (runtime.ImageInfo, error)
	PullImage(ctx context.Context, ref string, progress func(done, total int64)) (runtime.ImageInfo, error)
	// PullImageWith is PullImage with a pod's imagePullSecrets (issue 12).
	PullImageWith(ctx context.Context, ref string, creds runtime.PullCredentials, progress func(done, total int64)) (runtime.ImageInfo, error)
	CreateContainer(ctx context.Context, cfg runtime.ContainerConfig) error
	StartContainer(ctx context.Context, id, logPath string) (uint32, error)
	StopContainer(ctx context.Context, id string, grace time.Duration) error
	RemoveContainer(ctx context.Context, id string) error
	ContainerStatus(ctx context.Context, id string) (runtime.ContainerInfo, error)
	ListContainers(ctx context.Context) ([]runtime.ContainerInfo, error)
	Exits() <-chan string
	Exec(ctx context.Context, id string, cfg runtime.ExecConfig) (int, error)
}

// Network gives pods their network namespace and IP.
type Network interface {
	Setup(ctx context.Context, pod cni.PodRef, ports []cni.PortMapping) (cni.Sandbox, error)
	Teardown(ctx context.Context, uid string) error
	Lookup(uid string) (cni.Sandbox, bool)
	List() ([]string, error)
}

// View is the local, read-only view of cluster state (view.View).
type View = view.View

// StatusSink writes pod statuses to the cluster. Each pod carries its
// name, namespace and uid (a precondition: a status never lands on a newer
// pod of the same name) and the status to store.
type StatusSink func(ctx context.Context, pods []*api.Pod) error
