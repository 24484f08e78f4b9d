package pods

import (
	"context"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// Graceful deletion on the node: a Terminating pod (deletionTimestamp
// set) is stopped within what is left of its grace period, cleaned up, and
// only then removed from the cluster, guarded by its uid.

// PodRemover removes the pod with the key and uid from the cluster; a pod
// already gone or replaced by a new uid is not an error.
type PodRemover func(ctx context.Context, key api.Key, uid string) error

// terminatingHere lists the Terminating pods bound to this node, by uid.
func (m *Manager) terminatingHere() map[string]*api.Pod {
	out := map[string]*api.Pod{}
	for _, o := range m.view.List("Pod", "", nil) {
		if p := o.(*api.Pod); p.Spec.NodeName == m.cfg.NodeName && p.DeletionTimestamp != nil {
			out[p.UID] = p
		}
	}
	return out
}

// finishTerminating drives the Terminating pods of this node that no
// worker is stopping: one stopped and cleaned up is removed from the
// cluster (guarded by uid); one not yet stopped (its deletion arrived
// while this agent was down, or its cleanup failed) gets a worker that
// only stops it. The caller holds mu.
func (m *Manager) finishTerminating(ctx context.Context, doomed map[string]*api.Pod) {
	for uid := range m.stopped {
		if doomed[uid] == nil {
			delete(m.stopped, uid) // removed (or no longer ours)
		}
	}
	for uid, p := range doomed {
		if _, busy := m.workers[uid]; busy || m.removing[uid] {
			continue
		}
		if !m.stopped[uid] {
			if time.Now().Before(m.retryStop[uid]) {
				continue
			}
			m.logger.Info("pod is terminating; stopping it", "pod", p.Namespace+"/"+p.Name)
			grace := remainingGrace(p, time.Now())
			m.startWorker(ctx, p, &grace)
			continue
		}
		if m.cfg.Remove == nil {
			continue
		}
		m.removing[uid] = true
		key, name := api.KeyOf(p), p.Namespace+"/"+p.Name
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			err := m.cfg.Remove(ctx, key, uid)
			m.mu.Lock()
			delete(m.removing, uid)
			if err == nil {
				delete(m.stopped, uid)
			}
			m.mu.Unlock()
			if err != nil {
				m.logger.Warn("remove stopped pod from the cluster; retrying", "pod", name, "err", err)
				return
			}
			m.logger.Info("pod terminated and removed", "pod", name)
		}()
	}
}

// remainingGrace is how long a Terminating pod's containers get between
// SIGTERM and SIGKILL when its node starts stopping them at now: what is
// left of its grace period (deletionTimestamp is its end), at most
// deletionGracePeriodSeconds and at least minGrace of it, so a node whose
// clock runs ahead of the proposer's still sends SIGTERM first.
func remainingGrace(p *api.Pod, now time.Time) time.Duration {
	grace := time.Duration(api.DefaultTerminationGracePeriodSeconds) * time.Second
	if g := p.DeletionGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	left := grace
	if p.DeletionTimestamp != nil {
		left = min(grace, p.DeletionTimestamp.Sub(now))
	}
	return max(left, min(grace, minGrace))
}

// minGrace is the least time containers of a Terminating pod get after
// SIGTERM.
const minGrace = 2 * time.Second
