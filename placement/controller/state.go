package controller

import (
	"errors"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/placement/svcaddr"
)

// State is the read-only snapshot one controller pass works on. The leader
// builds it from its replica; Reconcile never modifies the objects in it.
// The order of the slices does not matter.
type State struct {
	// Now is the leader's clock for this pass: node grace, fencing,
	// minReadySeconds and progress deadlines are measured against it.
	Now time.Time
	// Nodes are every Node object. Their Ready condition, with its
	// lastTransitionTime, follows gossip health (suspect or dead members
	// are not Ready).
	Nodes []*api.Node
	// Deployments are every Deployment.
	Deployments []*api.Deployment
	// ReplicaSets are every ReplicaSet (all created by this package).
	ReplicaSets []*api.ReplicaSet
	// StatefulSets are every StatefulSet.
	StatefulSets []*api.StatefulSet
	// DaemonSets are every DaemonSet.
	DaemonSets []*api.DaemonSet
	// Pods are every Pod.
	Pods []*api.Pod
	// Services are every Service.
	Services []*api.Service
	// Events are the Events about Services, Jobs and CronJobs (others may
	// be left out; they are ignored).
	Events []*api.Event

	// Batch workloads (issue 12).
	// Jobs are every Job.
	Jobs []*api.Job
	// CronJobs are every CronJob.
	CronJobs []*api.CronJob

	// Disruption budgets (issue 12).
	// PodDisruptionBudgets are every PodDisruptionBudget.
	PodDisruptionBudgets []*api.PodDisruptionBudget
	// PriorityClasses are every stored PriorityClass: pods the
	// controllers create get their priority from them.
	PriorityClasses []*api.PriorityClass
	// Storage (issue 12).
	// Claims are every PersistentVolumeClaim.
	Claims []*api.PersistentVolumeClaim
}

// Defaults of Config, matching the agent flags --node-grace and
// --fence-after.
const (
	DefaultNodeGrace  = 5 * time.Second
	DefaultFenceAfter = 10 * time.Second
)

// Config tunes the node lifecycle and the services stage.
type Config struct {
	// NodeGrace is how long a node may be not Ready before its Deployment
	// and DaemonSet pods are marked Failed (and the Deployment ones
	// replaced elsewhere). Zero means DefaultNodeGrace.
	NodeGrace time.Duration
	// FenceAfter is how long an agent cut off from a Raft majority keeps
	// its StatefulSet pods before stopping them itself. The leader waits at
	// least max(NodeGrace, FenceAfter) after a node stops being Ready before
	// it starts a StatefulSet pod of that node elsewhere. Zero means
	// DefaultFenceAfter.
	FenceAfter time.Duration
	// Services is where cluster IPs and node ports come from. With no
	// service CIDR the services stage does nothing.
	Services svcaddr.Config
}

// DefaultConfig returns the default Config.
func DefaultConfig() Config {
	return Config{NodeGrace: DefaultNodeGrace, FenceAfter: DefaultFenceAfter}
}

// Validate reports durations that make no sense.
func (c Config) Validate() error {
	if c.NodeGrace < 0 {
		return errors.New("node grace must not be negative")
	}
	if c.FenceAfter < 0 {
		return errors.New("fence-after must not be negative")
	}
	if c.Services.ServiceCIDR.IsValid() {
		return c.Services.Validate()
	}
	return nil
}

// withDefaults fills in zero (or invalid, negative) durations.
func (c Config) withDefaults() Config {
	if c.NodeGrace <= 0 {
		c.NodeGrace = DefaultNodeGrace
	}
	if c.FenceAfter <= 0 {
		c.FenceAfter = DefaultFenceAfter
	}
	return c
}

// FenceMargin is added to FenceAfter before a lost node's StatefulSet pods
// may run elsewhere. A node stops being Ready at the moment it stopped
// answering, which can be a little after its agent last heard from the
// leader; the margin covers that, the agent's 250 ms fence check and the
// time it takes to kill the fenced containers.
const FenceMargin = 2 * time.Second

// StatefulGrace is how long a node must be lost before its StatefulSet
// pods may run elsewhere: by then the agent has fenced itself.
func StatefulGrace(nodeGrace, fenceAfter time.Duration) time.Duration {
	return max(nodeGrace, fenceAfter+FenceMargin)
}

func (c Config) statefulGrace() time.Duration { return StatefulGrace(c.NodeGrace, c.FenceAfter) }

// Changes are the writes of one controller pass. Each object key appears
// at most once across all four lists, and each list is sorted by key
// (kind, namespace, name). Every object is a fresh copy the caller may
// modify (for example to stamp a resourceVersion precondition).
//
// Commit them in this order, each list in batches of any size, each batch
// atomically: Creates, Updates, Statuses, Deletes. A batch that fails a
// precondition may be dropped: the next pass recomputes from the new
// state. Every intermediate state of that order keeps the rollout
// guarantees (creates never push a Deployment above replicas+maxSurge;
// deletes never take it below replicas-maxUnavailable available pods),
// which is why a pod that must be replaced under the same name (a
// StatefulSet identity, a DaemonSet pod) is deleted in one pass and
// created in the next.
type Changes struct {
	// Creates are new objects that must not exist yet: commit them with a
	// "must not exist" precondition (resourceVersion "0"). They carry no
	// uid or resourceVersion; the ownerReferences of workload objects name
	// live owners by uid, and Events (about Services) name a live Service
	// as their involvedObject.
	Creates []api.Object
	// Updates replace objects whole (spec, metadata and status:
	// ReplicaSets, StatefulSets whose volume-node annotation changed,
	// Services given a cluster IP or node port, Events whose count is
	// raised). Each carries the resourceVersion it was computed from as
	// its precondition.
	Updates []api.Object
	// Statuses replace only the status of existing objects (Deployment,
	// ReplicaSet, StatefulSet and DaemonSet status; phase Failed for pods
	// of lost nodes; a Service's load-balancer ingress). Each carries the resourceVersion it was computed from.
	Statuses []api.Object
	// Deletes remove objects, each guarded by its uid.
	Deletes []Delete
}

// Delete names an object to delete. UID is the uid the object had when
// the pass decided to delete it: commit it as a precondition, so an object
// recreated under the same name is never hit.
//
// A pod is deleted gracefully unless Force is set: commit it so that a pod
// that may still run is marked Terminating (its node stops it, then
// removes it) rather than removed. Reconcile never deletes a Terminating
// pod again, except with Force.
type Delete struct {
	Key api.Key
	UID string
	// Force removes a pod at once: its node is lost (gone, or not Ready
	// for NodeGrace), so no agent would stop it and confirm.
	Force bool
}

// Empty reports whether the pass found nothing to do: the cluster is at a
// fixpoint until something outside changes (or time passes).
func (c Changes) Empty() bool {
	return len(c.Creates) == 0 && len(c.Updates) == 0 && len(c.Statuses) == 0 && len(c.Deletes) == 0
}

// Len counts the writes.
func (c Changes) Len() int {
	return len(c.Creates) + len(c.Updates) + len(c.Statuses) + len(c.Deletes)
}
