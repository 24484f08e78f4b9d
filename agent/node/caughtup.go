package node

import (
	"context"
	"time"
)

// caughtUpTimeout is how long each wait for the replica to catch up lasts
// before it is logged and, for a part that may go ahead anyway, given up.
const caughtUpTimeout = 15 * time.Second

// awaitCaughtUp waits until the local replica has applied what the
// cluster committed, and reports false only if ctx ended. After an agent
// restart the replica starts from its last snapshot: an object deleted
// since is still in it and one created since is not, so a part that
// would act on either (restart a deleted pod, remove a new pod's
// containers or a new service's rules) waits here first. With keepWaiting
// it waits as long as it takes, quorum lost included, and what runs on the
// node is left as it is meanwhile; without, it gives up after one
// caughtUpTimeout and goes ahead with what the replica holds (a new node,
// with nothing to lose). what names the waiting part in the log.
func (n *Node) awaitCaughtUp(ctx context.Context, what string, keepWaiting bool) bool {
	for waited := caughtUpTimeout; ; waited += caughtUpTimeout {
		if n.cfg.Raft.CaughtUp(ctx, caughtUpTimeout) {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if !keepWaiting {
			n.log.Warn("replica not caught up; going ahead with what it holds", "part", what, "waited", waited)
			return true
		}
		n.log.Warn("replica not caught up; leaving things as they are until it is", "part", what, "waited", waited)
	}
}
