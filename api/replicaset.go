package api

func init() {
	register(&Kind{
		Name: "ReplicaSet", APIVersion: "apps/v1", Plural: "replicasets",
		Aliases: []string{"replicaset", "rs"}, Namespaced: true, UserWritable: false,
		New: func() Object { return &ReplicaSet{} },
	})
}

// ReplicaSet keeps a number of identical pods of one revision of a
// Deployment. Deployments create one per pod template (named
// DEPLOYMENT-HASH) and scale them during rollouts; old ones scaled to zero
// are the revision history that `rollout undo` goes back to. Users do not
// write them.
type ReplicaSet struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// Spec is the desired state of the replica set.
	Spec ReplicaSetSpec `json:"spec"`
	// Status is written by the cluster.
	Status ReplicaSetStatus `json:"status,omitzero"`
}

// ReplicaSetSpec is the desired state of a replica set.
type ReplicaSetSpec struct {
	// Replicas is the number of pods.
	Replicas *int32 `json:"replicas,omitempty"`
	// MinReadySeconds is how long a pod must be ready to count as
	// available.
	MinReadySeconds int32 `json:"minReadySeconds,omitempty"`
	// Selector finds the set's pods: the deployment's selector plus the
	// pod-template-hash label.
	Selector *LabelSelector `json:"selector"`
	// Template is the pod every replica is made from.
	Template PodTemplateSpec `json:"template"`
}

// ReplicaSetStatus is the observed state of a replica set.
type ReplicaSetStatus struct {
	// ObservedGeneration is the generation this status describes.
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Replicas counts the set's pods.
	Replicas int32 `json:"replicas"`
	// ReadyReplicas counts ready pods.
	ReadyReplicas int32 `json:"readyReplicas,omitempty"`
	// AvailableReplicas counts pods ready for at least minReadySeconds.
	AvailableReplicas int32 `json:"availableReplicas,omitempty"`
}

// Well-known labels and annotations of workloads.
const (
	// LabelPodTemplateHash tells a Deployment's revisions apart, on its
	// ReplicaSets and their pods.
	LabelPodTemplateHash = "pod-template-hash"
	// LabelControllerRevisionHash tells StatefulSet and DaemonSet
	// revisions apart on their pods.
	LabelControllerRevisionHash = "controller-revision-hash"
	// LabelStatefulSetPodName names a StatefulSet pod on the pod itself.
	LabelStatefulSetPodName = "statefulset.kubernetes.io/pod-name"
)
