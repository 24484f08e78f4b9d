package api

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
