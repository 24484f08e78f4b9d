package agent

import (
	"context"
	"errors"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// runtimeName is what a node gossips as its container runtime.
func runtimeName(runtime string) string {
	if runtime == RuntimeNone {
		return ""
	}
	return runtime
}

// removePod removes a pod this node has stopped, guarded by its uid so a
// new pod of the same name is never hit. A pod already gone or replaced
// is not an error.
func (a *Agent) removePod(ctx context.Context, key api.Key, uid string) error {
	d := consensus.Delete{Keys: []api.Key{key}, Preconditions: []consensus.Precondition{{Key: key, UID: uid}}}
	_, err := a.Propose(ctx, d)
	if errors.Is(err, consensus.ErrNotFound) || errors.Is(err, consensus.ErrConflict) {
		return nil
	}
	return err
}
