package leader

import (
	"context"
	"sort"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/placement"
	"github.com/shoal-dev/shoal/placement/controller"
	"github.com/shoal-dev/shoal/view"
)

// workloadKinds are the kinds whose changes wake the controllers.
var workloadKinds = []string{"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Pod", "Node", "Service", "Ingress", "IngressClass", "Secret", "Job", "CronJob", "PodDisruptionBudget", "PriorityClass", "PersistentVolumeClaim", "StorageClass"}

// controllerDebounce gathers a burst of store events into one pass.
const controllerDebounce = 20 * time.Millisecond

// maxBatch caps the objects in one Raft command, so a 1,000-replica apply
// is a few commands, not a thousand, and no entry grows huge.
const maxBatch = 500

// RunControllers runs, while this node leads, the workload controllers
// (the services stage included), the ingress stage and the scheduler: on
// every change to workloads, pods, nodes, services or ingresses (debounced),
// every second (for time-driven transitions such as tolerationSeconds),
// and at the moment a node that is not Ready becomes lost (node grace).
func (l *Leader) RunControllers(ctx context.Context) error {
	events := l.cfg.View.Watch(ctx, workloadKinds...)
	wake := time.NewTimer(reconcileInterval)
	defer wake.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-events:
			if !ok {
				// Restored from a snapshot, or fell behind: watch again.
				events = l.cfg.View.Watch(ctx, workloadKinds...)
			}
			drainFor(events, controllerDebounce)
		case <-wake.C:
		}
		now := time.Now()
		if l.leading.Load() {
			l.reconcileWorkloads(ctx, now)
		}
		wake.Stop()
		wake.Reset(l.nextWake(now))
	}
}

// nextWake is how long the controllers may sleep after a pass at now:
// reconcileInterval, or less when a node's grace ends sooner.
func (l *Leader) nextWake(now time.Time) time.Duration {
	d := reconcileInterval
	set, ok := l.cfg.Settled()
	if !ok {
		return d
	}
	if at := controller.NextNodeDeadline(view.All[*api.Node](l.cfg.View, "Node"), now, set.Controllers); !at.IsZero() {
		// A little after the deadline, so the pass sees the node lost.
		d = min(d, at.Sub(now)+5*time.Millisecond)
	}
	return d
}

// drainFor swallows events arriving within d, so a burst makes one pass.
func drainFor(events <-chan view.Event, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return
			}
		case <-timer.C:
			return
		}
	}
}

// reconcileWorkloads runs one controller pass and one scheduling pass
// over this replica and commits what they decide.
func (l *Leader) reconcileWorkloads(ctx context.Context, now time.Time) {
	v := l.cfg.View
	st := &controller.State{
		Now:          now,
		Nodes:        view.All[*api.Node](v, "Node"),
		Deployments:  view.All[*api.Deployment](v, "Deployment"),
		ReplicaSets:  view.All[*api.ReplicaSet](v, "ReplicaSet"),
		StatefulSets: view.All[*api.StatefulSet](v, "StatefulSet"),
		DaemonSets:   view.All[*api.DaemonSet](v, "DaemonSet"),
		Pods:         view.All[*api.Pod](v, "Pod"),
		Services:     view.All[*api.Service](v, "Service"),
		Jobs:         view.All[*api.Job](v, "Job"),
		CronJobs:     view.All[*api.CronJob](v, "CronJob"),

		PodDisruptionBudgets: view.All[*api.PodDisruptionBudget](v, "PodDisruptionBudget"),
		PriorityClasses:      view.All[*api.PriorityClass](v, "PriorityClass"),

		Claims: view.All[*api.PersistentVolumeClaim](v, "PersistentVolumeClaim"),
	}
	var ingressEvents []*api.Event
	for _, o := range l.cfg.View.List("Event", "", nil) {
		switch e := o.(*api.Event); e.InvolvedObject.Kind {
		case "Service", "Job", "CronJob":
			st.Events = append(st.Events, e)
		case "Ingress":
			ingressEvents = append(ingressEvents, e)
		}
	}
	set, _ := l.cfg.Settled() // the controllers start once settled
	ch := controller.Reconcile(st, set.Controllers)
	// Schedule on every pass, so pending pods are not held up while a big
	// rollout keeps the controllers busy. The pods this pass creates are
	// placed in the same scheduling run and created already bound, which
	// saves a pass and a Raft round trip per new pod; one that cannot be
	// placed now is created unbound and scheduled by a later pass. A
	// binding that raced a change fails its resourceVersion precondition
	// and is retried.
	sched := l.schedule(st, ch.Creates, now)
	if !ch.Empty() {
		l.commitChanges(ctx, ch, now)
	}
	l.reconcileIngresses(ctx, st.Nodes, ingressEvents, now)
	l.putBatches(ctx, sched.bound, consensus.ModeReplace, now)
	l.putBatches(ctx, sched.unschedulable, consensus.ModeStatus, now)
	l.evictVictims(ctx, sched.victims, st.Pods, now)
	if !ch.Empty() || len(sched.bound) > 0 {
		l.log.Debug("controller pass", "creates", len(ch.Creates), "updates", len(ch.Updates), "statuses", len(ch.Statuses),
			"deletes", len(ch.Deletes), "bound", len(sched.bound), "ms", float64(time.Since(now).Microseconds())/1000)
	}
}

// commitChanges writes a controller pass in batches: creates (which must
// not exist yet), replacements and status writes (each guarded by the
// resourceVersion it was computed from), then deletes (guarded by uid;
// pods gracefully, unless the controller forces them).
// A batch that fails a precondition is dropped; the next pass recomputes.
func (l *Leader) commitChanges(ctx context.Context, ch controller.Changes, now time.Time) {
	for _, o := range ch.Creates {
		o.GetObjectMeta().ResourceVersion = "0"
	}
	l.createSlowStart(ctx, ch.Creates, now)
	l.putBatches(ctx, ch.Updates, consensus.ModeReplace, now)
	l.putBatches(ctx, ch.Statuses, consensus.ModeStatus, now)
	for start := 0; start < len(ch.Deletes); start += maxBatch {
		end := min(start+maxBatch, len(ch.Deletes))
		d := consensus.Delete{Grace: &consensus.Grace{Time: now}}
		for _, del := range ch.Deletes[start:end] {
			d.Keys = append(d.Keys, del.Key)
			if del.UID != "" {
				d.Preconditions = append(d.Preconditions, consensus.Precondition{Key: del.Key, UID: del.UID})
			}
			if del.Force {
				d.Grace.Force = append(d.Grace.Force, del.Key)
			}
		}
		_, err := l.cfg.Proposer.Propose(ctx, d)
		l.logRetry(err)
	}
}

// createSlowStart commits creates in batches of 1, 2, 4, 8… up to
// maxBatch, and stops at the first batch that fails, as the Kubernetes
// ReplicaSet controller's slow start does: when every create fails (a
// namespace being deleted, a full disk, a lost leadership) a pass costs a
// few small commands, not a flood of large ones. The creates left out are
// computed again by the next pass. It returns how many were committed.
func (l *Leader) createSlowStart(ctx context.Context, objs []api.Object, now time.Time) int {
	for start, size := 0, 1; start < len(objs); size = min(2*size, maxBatch) {
		end := min(start+size, len(objs))
		if _, err := l.cfg.Proposer.Propose(ctx, consensus.Put{Objects: objs[start:end], Mode: consensus.ModeReplace, Time: now}); err != nil {
			l.logRetry(err)
			if left := len(objs) - end; left > 0 {
				l.log.Debug("creates skipped after a failed batch; retrying on the next pass", "skipped", left)
			}
			return start
		}
		start = end
	}
	return len(objs)
}

func (l *Leader) putBatches(ctx context.Context, objs []api.Object, mode consensus.PutMode, now time.Time) {
	for start := 0; start < len(objs); start += maxBatch {
		batch := objs[start:min(start+maxBatch, len(objs))]
		_, err := l.cfg.Proposer.Propose(ctx, consensus.Put{Objects: batch, Mode: mode, Time: now})
		l.logRetry(err)
	}
}

// logRetry logs a failed controller write: the next pass recomputes it.
func (l *Leader) logRetry(err error) {
	if err != nil {
		l.log.Debug("controller write failed; retrying on the next pass", "err", err)
	}
}

// scheduling is what one scheduling run decided about existing pods.
type scheduling struct {
	// bound are the pending pods given a node; unschedulable are the ones
	// whose PodScheduled condition or nominated node changed.
	bound, unschedulable []api.Object
	// victims are the pods to evict for preemption.
	victims []api.Key
}

// schedule places the pending pods on nodes and records why the others
// cannot be placed. The pods among creates (made by this controller pass,
// not committed yet) are placed after the pending ones (they are the
// newest): the ones placed get their node and PodScheduled condition in
// place; the others are left as they are, for a later pass.
func (l *Leader) schedule(st *controller.State, creates []api.Object, now time.Time) scheduling {
	snap := &placement.Snapshot{Pods: st.Pods, Budgets: st.PodDisruptionBudgets, Claims: st.Claims}
	for _, o := range l.cfg.View.List("StorageClass", "", nil) {
		snap.StorageClasses = append(snap.StorageClasses, o.GetObjectMeta().Name)
	}
	for _, n := range st.Nodes {
		snap.Nodes = append(snap.Nodes, placement.NodeInfoFrom(n))
	}
	var pending []*api.Pod
	byKey := map[api.Key]*api.Pod{}
	for _, p := range st.Pods {
		if unplaced(p) {
			pending = append(pending, p)
			byKey[api.KeyOf(p)] = p
		}
	}
	// Oldest first, then by name: fair and deterministic.
	sort.SliceStable(pending, func(i, j int) bool {
		ti, tj := pending[i].CreationTimestamp, pending[j].CreationTimestamp
		if ti != nil && tj != nil && !ti.Equal(*tj) {
			return ti.Before(*tj)
		}
		return pending[i].Namespace+"/"+pending[i].Name < pending[j].Namespace+"/"+pending[j].Name
	})
	fresh := map[api.Key]*api.Pod{}
	for _, o := range creates {
		if p, ok := o.(*api.Pod); ok && unplaced(p) && byKey[api.KeyOf(p)] == nil {
			pending = append(pending, p)
			fresh[api.KeyOf(p)] = p
		}
	}
	var out scheduling
	if len(pending) == 0 {
		return out
	}
	t := now.UTC().Truncate(time.Second)
	for _, d := range placement.Schedule(snap, pending, placement.Config{Strategy: l.cfg.Placement}) {
		if p := fresh[d.Pod]; p != nil {
			if d.Node != "" {
				p.Spec.NodeName = d.Node
				setPodCondition(&p.Status, api.PodCondition{Type: api.PodScheduled, Status: api.ConditionTrue, LastTransitionTime: &t})
			}
			continue
		}
		p := byKey[d.Pod]
		if p == nil {
			continue
		}
		cond := api.PodCondition{Type: api.PodScheduled, Status: api.ConditionTrue}
		if d.Node == "" {
			cond = api.PodCondition{Type: api.PodScheduled, Status: api.ConditionFalse, Reason: "Unschedulable", Message: d.Reason + preemptionNote(d)}
			out.victims = append(out.victims, d.Victims...)
			if len(d.Victims) > 0 {
				l.log.Info("preempting pods", "pod", d.Pod.Namespace+"/"+d.Pod.Name, "node", d.NominatedNode, "victims", len(d.Victims))
			}
		}
		if d.Node == "" && samePodCondition(p, cond) && p.Status.NominatedNodeName == d.NominatedNode {
			continue
		}
		cp := api.DeepCopy(p)
		cp.Status.NominatedNodeName = d.NominatedNode
		cond.LastTransitionTime = &t
		setPodCondition(&cp.Status, cond)
		if d.Node == "" {
			out.unschedulable = append(out.unschedulable, cp)
			continue
		}
		cp.Spec.NodeName = d.Node
		out.bound = append(out.bound, cp)
	}
	return out
}

// unplaced reports whether p waits for a node.
func unplaced(p *api.Pod) bool {
	return p.Spec.NodeName == "" && p.DeletionTimestamp == nil && (p.Status.Phase == "" || p.Status.Phase == api.PodPending)
}

func samePodCondition(p *api.Pod, c api.PodCondition) bool {
	for _, have := range p.Status.Conditions {
		if have.Type == c.Type {
			return have.Status == c.Status && have.Reason == c.Reason && have.Message == c.Message
		}
	}
	return false
}

func setPodCondition(st *api.PodStatus, c api.PodCondition) {
	for i := range st.Conditions {
		if st.Conditions[i].Type == c.Type {
			st.Conditions[i] = c
			return
		}
	}
	st.Conditions = append(st.Conditions, c)
}
