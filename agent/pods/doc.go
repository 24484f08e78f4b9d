// Package pods is the node-local pod reconciler: it keeps containerd equal
// to the pods the cluster assigns to this node, the way kubelet does.
//
// A Manager watches the local replica for pods whose spec.nodeName is this
// node and runs one worker goroutine per pod. A worker sets up the pod's
// sandbox (network namespace and IP through CNI), its volumes and its
// /etc/hosts and /etc/resolv.conf, runs the init containers in order
// (sidecars among them keep running: sidecar.go) and then the containers,
// runs their postStart hooks (hooks.go), restarts them by restartPolicy
// with crash-loop back-off, runs their probes, and reports the pod's
// status; when the pod goes away it stops the containers gracefully
// (preStop hook, SIGTERM, the rest of the grace period, SIGKILL; sidecars
// last) and removes everything the pod had on the node. Containers carry
// labels naming their pod, so a restarted agent adopts running pods
// without restarting them, and deletes containers and sandboxes that no
// pod claims.
//
// An EvictionMonitor beside the Manager evicts pods before the data dir's
// disk fills, as kubelet's hard eviction does (--eviction-hard, with a
// reserve for Raft), and evicts a pod that outgrows its disk emptyDir's
// sizeLimit or its ephemeral-storage limits.
//
// The package never talks to Raft: it reads cluster state through View and
// writes pod status through a StatusSink.
package pods
