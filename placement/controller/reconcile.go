package controller

import (
	"cmp"
	"slices"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// Reconcile runs every controller once over s and returns the writes that
// move the cluster toward the desired state. It is pure: no I/O, no clock
// but s.Now, no randomness, no memory between calls; the same State gives
// the same Changes whatever the order of its slices. It does everything one
// pass can do at once (a 1,000-replica ReplicaSet gets its 1,000 pods in
// one Changes), except what would break a guarantee if committed in the
// order Changes documents.
//
// Stages, in order (see README.md):
//
//  1. garbage: objects whose controller owner is gone are deleted;
//  2. nodes: Deployment and DaemonSet pods on lost nodes are marked Failed,
//     and Terminating pods on lost nodes are removed once due;
//  3. deployments: revisions (ReplicaSets) are created and scaled;
//  4. replicasets: pods are created and deleted to match (3);
//  5. statefulsets and daemonsets manage their own pods;
//  6. services: cluster IPs, node ports and load-balancer status
//     (package svcaddr decides), with Warning Events for what a Service
//     could not get;
//  7. disruption budgets: each PodDisruptionBudget's status
//     (disruption.go), computed before the services stage;
//  8. claims: PersistentVolumeClaims are bound to the node of their
//     first pod, and deleted ones no pod uses are removed when no node
//     holds their data (claims.go);
//
// each stage writing the status of what it manages.
func Reconcile(s *State, cfg Config) Changes {
	p := newPass(s, cfg.withDefaults())
	p.collectGarbage()
	p.failLostPods()
	p.expireTerminating()
	p.evictNoExecute()
	for _, d := range p.deployments {
		p.syncDeployment(d)
	}
	for _, rs := range p.replicaSets {
		p.syncReplicaSet(rs)
	}
	for _, ss := range p.statefulSets {
		p.syncStatefulSet(ss)
	}
	for _, ds := range p.daemonSets {
		p.syncDaemonSet(ds)
	}
	for _, cj := range p.cronJobs {
		p.syncCronJob(cj)
	}
	for _, j := range p.jobs {
		p.syncJob(j)
	}
	p.syncDisruptionBudgets()
	p.expireBatchEvents()
	p.syncServices()
	p.syncClaims()
	return p.changes()
}

// pass is the working memory of one Reconcile call: indexes over the
// snapshot and the writes decided so far. It never outlives the call.
type pass struct {
	now time.Time
	cfg Config

	nodes        map[string]*api.Node
	nodeList     []*api.Node
	deployments  []*api.Deployment
	replicaSets  []*api.ReplicaSet
	statefulSets []*api.StatefulSet
	daemonSets   []*api.DaemonSet
	pods         []*api.Pod
	services     []*api.Service
	events       []*api.Event

	// Batch workloads (issue 12).
	jobs     []*api.Job
	cronJobs []*api.CronJob
	// jobsOf lists live Jobs by the uid of their CronJob.
	jobsOf map[string][]*api.Job
	// eventKeys holds the key of every Event in the snapshot and of every
	// Event created in this pass; built on first use (batchEvent).
	eventKeys map[api.Key]bool

	// budgets are the PodDisruptionBudgets (issue 12).
	budgets []*api.PodDisruptionBudget
	// priorityClasses fill the priority of created pods (issue 12).
	priorityClasses []*api.PriorityClass

	// Storage (issue 12).
	claims []*api.PersistentVolumeClaim
	// claimSet holds "namespace/name" of every claim; built on first use.
	claimSet map[string]bool

	// live holds the uid of every workload object that is not being
	// deleted in this pass.
	live map[string]bool
	// owned lists pods by the uid of their controller, in name order.
	owned map[string][]*api.Pod
	// replicaSetsOf lists live ReplicaSets by the uid of their Deployment.
	replicaSetsOf map[string][]*api.ReplicaSet
	// desiredRS holds the ReplicaSets a Deployment changed in this pass
	// (a copy, by uid); the ReplicaSet stage works on them.
	desiredRS map[string]*api.ReplicaSet
	// taken holds "namespace/name" of every pod, and of every pod created
	// in this pass; built on first use.
	taken map[string]bool
	// counts caches podCounts by owner uid and minReadySeconds.
	counts map[countKey]podCounts

	creates  map[api.Key]api.Object
	updates  map[api.Key]api.Object
	statuses map[api.Key]api.Object
	deletes  map[api.Key]Delete
}

func newPass(s *State, cfg Config) *pass {
	p := &pass{
		now:          s.Now,
		cfg:          cfg,
		nodes:        make(map[string]*api.Node, len(s.Nodes)),
		nodeList:     sortedByName(s.Nodes),
		deployments:  sortedByName(s.Deployments),
		replicaSets:  sortedByName(s.ReplicaSets),
		statefulSets: sortedByName(s.StatefulSets),
		daemonSets:   sortedByName(s.DaemonSets),
		pods:         sortedByName(s.Pods),
		services:     sortedByName(s.Services),
		events:       sortedByName(s.Events),
		jobs:         sortedByName(s.Jobs),
		cronJobs:     sortedByName(s.CronJobs),
		claims:       sortedByName(s.Claims),
		desiredRS:    map[string]*api.ReplicaSet{},
		counts:       map[countKey]podCounts{},
		creates:      map[api.Key]api.Object{},
		updates:      map[api.Key]api.Object{},
		statuses:     map[api.Key]api.Object{},
		deletes:      map[api.Key]Delete{},
	}
	// Disruption budgets and priority (issue 12).
	p.budgets = sortedByName(s.PodDisruptionBudgets)
	p.priorityClasses = sortedByName(s.PriorityClasses)
	for _, n := range p.nodeList {
		p.nodes[n.Name] = n
	}
	return p
}

// sortedByName returns a copy of objs sorted by namespace and name,
// dropping nils.
func sortedByName[T any, PT interface {
	*T
	api.Object
}](objs []PT) []PT {
	out := make([]PT, 0, len(objs))
	for _, o := range objs {
		if o != nil {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b PT) int {
		am, bm := a.GetObjectMeta(), b.GetObjectMeta()
		return cmp.Or(cmp.Compare(am.Namespace, bm.Namespace), cmp.Compare(am.Name, bm.Name))
	})
	return out
}

// create records a new object. A pod's name is taken from now on, and
// its priority filled from its PriorityClass.
func (p *pass) create(o api.Object) {
	k := api.KeyOf(o)
	if p.touched(k) {
		return
	}
	p.creates[k] = o
	if pod, ok := o.(*api.Pod); ok {
		p.take(k.Namespace, k.Name)
		p.fillPriority(pod)
	}
}

// update records a whole-object replacement; it supersedes a status write
// of the same object and loses to a delete.
func (p *pass) update(o api.Object) {
	k := api.KeyOf(o)
	if _, ok := p.deletes[k]; ok {
		return
	}
	delete(p.statuses, k)
	p.updates[k] = o
}

// status records a status write unless the object is already replaced or
// deleted in this pass.
func (p *pass) status(o api.Object) {
	k := api.KeyOf(o)
	if p.touched(k) {
		return
	}
	p.statuses[k] = o
}

// remove records a deletion; it supersedes any other write of the object.
// A pod that is already Terminating is left alone (its node, or
// expireTerminating, removes it): deleting it again every pass would only
// churn the log. A pod on a lost node, or on one that runs no pods, is
// removed at once (Force).
func (p *pass) remove(o api.Object) {
	k := api.KeyOf(o)
	d := Delete{Key: k, UID: o.GetObjectMeta().UID}
	if pod, ok := o.(*api.Pod); ok {
		if pod.DeletionTimestamp != nil {
			return
		}
		d.Force = pod.Spec.NodeName != "" && !p.stopsPods(pod.Spec.NodeName)
	}
	delete(p.updates, k)
	delete(p.statuses, k)
	p.deletes[k] = d
}

// deleting reports whether o is deleted in this pass.
func (p *pass) deleting(o api.Object) bool {
	_, ok := p.deletes[api.KeyOf(o)]
	return ok
}

func (p *pass) touched(k api.Key) bool {
	_, c := p.creates[k]
	_, u := p.updates[k]
	_, s := p.statuses[k]
	_, d := p.deletes[k]
	return c || u || s || d
}

// nameFree reports whether no pod has (or gets in this pass) the name.
func (p *pass) nameFree(namespace, name string) bool {
	if p.taken == nil {
		p.taken = make(map[string]bool, len(p.pods)+64)
		for _, pod := range p.pods {
			p.taken[pod.Namespace+"/"+pod.Name] = true
		}
	}
	return !p.taken[namespace+"/"+name]
}

func (p *pass) take(namespace, name string) {
	if p.taken != nil {
		p.taken[namespace+"/"+name] = true
	}
}

// changes flattens the recorded writes into sorted lists.
func (p *pass) changes() Changes {
	var c Changes
	c.Creates = sortedObjects(p.creates)
	c.Updates = sortedObjects(p.updates)
	c.Statuses = sortedObjects(p.statuses)
	for _, d := range p.deletes {
		c.Deletes = append(c.Deletes, d)
	}
	slices.SortFunc(c.Deletes, func(a, b Delete) int { return compareKeys(a.Key, b.Key) })
	return c
}

func sortedObjects(m map[api.Key]api.Object) []api.Object {
	if len(m) == 0 {
		return nil
	}
	keys := make([]api.Key, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	out := make([]api.Object, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

func compareKeys(a, b api.Key) int {
	return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
}
