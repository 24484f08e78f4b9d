// Package controller holds the workload controllers that the Raft leader
// runs: Deployments (through their ReplicaSets), StatefulSets, DaemonSets,
// cascading deletion of owned objects, the node lifecycle that gives up
// pods on nodes that stopped answering, and the addresses of Services
// (cluster IPs, node ports, load-balancer status, decided by package
// svcaddr).
//
// The whole package is one pure function, [Reconcile]: it takes a read-only
// [State] (every object of the kinds it manages plus the clock) and a
// [Config], and returns the [Changes] that move the cluster one step toward
// the desired state. It owns the decisions — how many pods each revision
// gets, which pod goes first, when a node is lost, when a StatefulSet
// identity may run elsewhere — and nothing else. It must never do I/O,
// read a clock, draw random numbers, log, or keep state between calls: a
// new leader resumes a rollout by calling Reconcile on its own replica,
// and the same State always gives the same Changes. It never modifies the
// objects it is given; everything it returns is a fresh copy.
//
// Placement is not decided here: pods of Deployments and StatefulSets are
// created unbound (spec.nodeName empty, phase Pending) for the scheduler
// in package placement to bind; only DaemonSet pods are created bound to
// their node. The caller (the agent's leader loop) commits the Changes
// through Raft in the order documented on [Changes] and calls Reconcile
// again when the store changes or a timer fires; see README.md for the
// pipeline and the rules of each controller.
package controller
