package consensus

import (
	"context"

	"github.com/shoal-dev/shoal/api"
)

// View is the narrow, local, read-only view of cluster state that everything
// outside consensus uses (API, DNS, ingress, node reconciler, controllers).
// A Store fed by Raft implements it today; a replica fed by a watch stream
// can implement it later without its users noticing. Objects it returns are
// shared and must not be modified (api.DeepCopy them first).
type View interface {
	Get(kind, namespace, name string) (api.Object, bool)
	List(kind, namespace string, selector map[string]string) []api.Object
	Watch(ctx context.Context, kinds ...string) <-chan Event
	Index() uint64
}

var _ View = (*Store)(nil)
