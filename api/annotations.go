package api

import "strings"

// Well-known annotation keys. The cluster sets them; the CLI and the
// controllers read them. Keys under ClusterAnnotationPrefix on stored
// objects are kept by apply unless the manifest sets them.
const (
	// ClusterAnnotationPrefix starts every annotation the cluster keeps on
	// user objects.
	ClusterAnnotationPrefix = "shoal.dev/"

	// AnnotationRevision numbers a Deployment's revisions, on the
	// Deployment and on each of its ReplicaSets (as in Kubernetes).
	AnnotationRevision = "deployment.kubernetes.io/revision"
	// AnnotationRestartedAt on a pod template makes `rollout restart` a
	// new revision (as kubectl.kubernetes.io/restartedAt does).
	AnnotationRestartedAt = "shoal.dev/restartedAt"
	// AnnotationVolumeNodes on a StatefulSet holds the JSON object
	// {"CLAIM": "NODE", ...}: where each claim's volume lives. Entries are
	// added when a pod is first bound and never removed while the set
	// exists.
	AnnotationVolumeNodes = "shoal.dev/volume-nodes"
	// AnnotationVolumeNode on a pod names the node its volumes live on;
	// the scheduler must bind the pod there or nowhere (it stays Pending
	// while that node is down).
	AnnotationVolumeNode = "shoal.dev/volume-node"
)

// Annotations the API adds to Node objects when it serves them; they are
// read from the serving replica's Raft configuration and gossip at read
// time and never stored.
const (
	AnnotationRaftRole   = "shoal.dev/raft-role"
	AnnotationFreeCPU    = "shoal.dev/free-cpu"
	AnnotationFreeMemory = "shoal.dev/free-memory"
	AnnotationGossip     = "shoal.dev/gossip-status"
)

// Annotations users set on their objects to ask for a behaviour. They
// start with ClusterAnnotationPrefix but are the user's: apply removes
// them when the manifest no longer has them.
const (
	// AnnotationSSLRedirect on an Ingress, "true" or "false", asks the
	// ingress proxy to redirect plain-HTTP requests for the Ingress's TLS
	// hosts to HTTPS.
	AnnotationSSLRedirect = "shoal.dev/ssl-redirect"
)

// userAnnotations are the keys under ClusterAnnotationPrefix that users
// set.
var userAnnotations = map[string]bool{AnnotationSSLRedirect: true}

// IsClusterAnnotation reports whether the annotation key k is one the
// cluster sets and keeps on user objects (apply keeps it when a manifest
// does not set it): under ClusterAnnotationPrefix and not one of the
// annotations users set, such as AnnotationSSLRedirect.
func IsClusterAnnotation(k string) bool {
	return strings.HasPrefix(k, ClusterAnnotationPrefix) && !userAnnotations[k]
}
