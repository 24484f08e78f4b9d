package leader

import (
	"context"
	"fmt"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/placement"
)

// preemptionNote is what a pending pod's PodScheduled message adds when
// it preempts: the victims it evicts on its nominated node, or that it
// waits for them to go.
func preemptionNote(d placement.Decision) string {
	switch {
	case d.NominatedNode == "":
		return ""
	case len(d.Victims) == 0:
		return fmt.Sprintf("; waiting for preempted pods to terminate on node %s", d.NominatedNode)
	}
	return fmt.Sprintf("; preempting %d lower-priority pod(s) on node %s", len(d.Victims), d.NominatedNode)
}

// evictVictims deletes the pods preemption chose, gracefully (each gets
// its terminationGracePeriodSeconds), guarded by uid, in one command: a
// victim deleted or replaced meanwhile fails the whole command, and the
// next pass decides again.
func (l *Leader) evictVictims(ctx context.Context, victims []api.Key, pods []*api.Pod, now time.Time) {
	if len(victims) == 0 {
		return
	}
	uids := make(map[api.Key]string, len(pods))
	for _, p := range pods {
		uids[api.KeyOf(p)] = p.UID
	}
	for start := 0; start < len(victims); start += maxBatch {
		d := consensus.Delete{Grace: &consensus.Grace{Time: now}}
		for _, k := range victims[start:min(start+maxBatch, len(victims))] {
			d.Keys = append(d.Keys, k)
			d.Preconditions = append(d.Preconditions, consensus.Precondition{Key: k, UID: uids[k]})
		}
		_, err := l.cfg.Proposer.Propose(ctx, d)
		l.logRetry(err)
	}
}
