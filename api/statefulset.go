package api

func init() {
	register(&Kind{
		Name: "StatefulSet", APIVersion: "apps/v1", Plural: "statefulsets",
		Aliases: []string{"statefulset", "sts"}, Namespaced: true, UserWritable: true,
		New: func() Object { return &StatefulSet{} },
	})
}

// StatefulSet runs pods with stable identities NAME-0, NAME-1, ..., each
// with its own volumes from the claim templates and its own DNS name under
// the governing headless service.
type StatefulSet struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// Spec is the desired state of the set.
	Spec StatefulSetSpec `json:"spec"`
	// Status is written by the cluster.
	Status StatefulSetStatus `json:"status,omitzero"`
}

// StatefulSetSpec is the desired state of a stateful set.
type StatefulSetSpec struct {
	// Replicas is the number of pods (default 1).
	Replicas *int32 `json:"replicas,omitempty"`
	// Selector finds the set's pods; it must match the template's labels.
	Selector *LabelSelector `json:"selector"`
	// Template is the pod every replica is made from.
	Template PodTemplateSpec `json:"template"`
	// VolumeClaimTemplates give each pod its own claims, named
	// TEMPLATE-SET-ORDINAL; containers mount them by template name.
	VolumeClaimTemplates []PersistentVolumeClaim `json:"volumeClaimTemplates,omitempty"`
	// ServiceName is the headless service that gives the pods DNS names
	// POD.SERVICE.NAMESPACE.svc.cluster.local.
	ServiceName string `json:"serviceName"`
	// PodManagementPolicy is OrderedReady (default: one at a time, in
	// order) or Parallel.
	PodManagementPolicy PodManagementPolicyType `json:"podManagementPolicy,omitempty"`
	// UpdateStrategy is how pods are replaced when the template changes.
	UpdateStrategy StatefulSetUpdateStrategy `json:"updateStrategy,omitzero"`
	// RevisionHistoryLimit is how many old revisions to keep (default 10).
	RevisionHistoryLimit *int32 `json:"revisionHistoryLimit,omitempty"`
	// MinReadySeconds is how long a new pod must be ready before it counts
	// as available.
	MinReadySeconds int32 `json:"minReadySeconds,omitempty"`
}

// PodManagementPolicyType is how a stateful set starts and stops pods.
type PodManagementPolicyType string

// Pod management policies.
const (
	// OrderedReadyPodManagement starts pods in order, each after the
	// previous is ready, and stops them in reverse (the default).
	OrderedReadyPodManagement PodManagementPolicyType = "OrderedReady"
	// ParallelPodManagement starts and stops pods all at once.
	ParallelPodManagement PodManagementPolicyType = "Parallel"
)

// StatefulSetUpdateStrategyType names a stateful set update strategy.
type StatefulSetUpdateStrategyType string

// Stateful set update strategies.
const (
	// RollingUpdateStatefulSetStrategyType replaces pods one at a time from
	// the highest ordinal down (the default).
	RollingUpdateStatefulSetStrategyType StatefulSetUpdateStrategyType = "RollingUpdate"
	// OnDeleteStatefulSetStrategyType replaces a pod only when it is deleted.
	OnDeleteStatefulSetStrategyType StatefulSetUpdateStrategyType = "OnDelete"
)

// StatefulSetUpdateStrategy is how a stateful set replaces pods.
type StatefulSetUpdateStrategy struct {
	// Type is RollingUpdate (default) or OnDelete.
	Type StatefulSetUpdateStrategyType `json:"type,omitempty"`
	// RollingUpdate tunes a RollingUpdate; only allowed with that type.
	RollingUpdate *RollingUpdateStatefulSetStrategy `json:"rollingUpdate,omitempty"`
}

// RollingUpdateStatefulSetStrategy tunes a stateful set rolling update.
type RollingUpdateStatefulSetStrategy struct {
	// Partition keeps pods with a lower ordinal at the old revision
	// (default 0: update all).
	Partition *int32 `json:"partition,omitempty"`
}

// PersistentVolumeClaim is a claim template of a stateful set: a request
// for a volume of some size.
type PersistentVolumeClaim struct {
	// TypeMeta is the claim's apiVersion and kind: optional in a template,
	// "v1" and "PersistentVolumeClaim" for a standalone claim (issue 12,
	// see api/pvc.go).
	TypeMeta `json:",inline"`
	// ObjectMeta names the template; only name and labels are used.
	ObjectMeta `json:"metadata"`
	// Spec is the claim's request.
	Spec PersistentVolumeClaimSpec `json:"spec"`

	// Standalone claims (issue 12, see api/pvc.go).
	// Status is where the claim is bound; the leader writes it.
	Status PersistentVolumeClaimStatus `json:"status,omitzero"`
}

// PersistentVolumeAccessMode is how a volume may be mounted.
type PersistentVolumeAccessMode string

// Access modes.
const (
	// ReadWriteOnce volumes are mounted read-write by one node.
	ReadWriteOnce PersistentVolumeAccessMode = "ReadWriteOnce"
	// ReadOnlyMany volumes are mounted read-only by many nodes.
	ReadOnlyMany PersistentVolumeAccessMode = "ReadOnlyMany"
	// ReadWriteMany volumes are mounted read-write by many nodes.
	ReadWriteMany PersistentVolumeAccessMode = "ReadWriteMany"
	// ReadWriteOncePod volumes are mounted read-write by one pod.
	ReadWriteOncePod PersistentVolumeAccessMode = "ReadWriteOncePod"
)

// PersistentVolumeClaimSpec is what a claim asks for.
type PersistentVolumeClaimSpec struct {
	// AccessModes lists how the volume will be mounted; at least one.
	AccessModes []PersistentVolumeAccessMode `json:"accessModes"`
	// Resources holds the requested size, requests.storage.
	Resources VolumeResourceRequirements `json:"resources"`
	// StorageClassName picks the kind of storage; empty means the default.
	StorageClassName *string `json:"storageClassName,omitempty"`

	// Standalone claims (issue 12, see api/pvc.go).
	// VolumeName is the volume the claim is bound to, pvc-UID; the
	// leader sets it when it binds the claim.
	VolumeName string `json:"volumeName,omitempty"`
}

// VolumeResourceRequirements is the size a claim asks for.
type VolumeResourceRequirements struct {
	// Requests must hold "storage", e.g. {"storage": "10Gi"}.
	Requests ResourceList `json:"requests"`
}

// StatefulSetStatus is the observed state of a stateful set.
type StatefulSetStatus struct {
	// ObservedGeneration is the generation this status describes.
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Replicas counts the set's pods.
	Replicas int32 `json:"replicas"`
	// ReadyReplicas counts ready pods.
	ReadyReplicas int32 `json:"readyReplicas,omitempty"`
	// CurrentReplicas counts pods at CurrentRevision.
	CurrentReplicas int32 `json:"currentReplicas,omitempty"`
	// UpdatedReplicas counts pods at UpdateRevision.
	UpdatedReplicas int32 `json:"updatedReplicas,omitempty"`
	// AvailableReplicas counts pods ready for at least minReadySeconds.
	AvailableReplicas int32 `json:"availableReplicas,omitempty"`
	// CurrentRevision is the revision of pods 0..partition-1.
	CurrentRevision string `json:"currentRevision,omitempty"`
	// UpdateRevision is the revision of the current template.
	UpdateRevision string `json:"updateRevision,omitempty"`
}
