package api

import "time"

func init() {
	register(&Kind{
		Name: "Deployment", APIVersion: "apps/v1", Plural: "deployments",
		Aliases: []string{"deployment", "deploy"}, Namespaced: true, UserWritable: true,
		New: func() Object { return &Deployment{} },
	})
}

// Deployment runs a number of interchangeable pods and replaces them in a
// rolling update when the template changes.
type Deployment struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// Spec is the desired state of the deployment.
	Spec DeploymentSpec `json:"spec"`
	// Status is written by the cluster.
	Status DeploymentStatus `json:"status,omitzero"`
}

// DeploymentSpec is the desired state of a deployment.
type DeploymentSpec struct {
	// Replicas is the number of pods (default 1).
	Replicas *int32 `json:"replicas,omitempty"`
	// Selector finds the deployment's pods; it must match the template's
	// labels.
	Selector *LabelSelector `json:"selector"`
	// Template is the pod every replica is made from.
	Template PodTemplateSpec `json:"template"`
	// Strategy is how old pods are replaced by new ones.
	Strategy DeploymentStrategy `json:"strategy,omitzero"`
	// MinReadySeconds is how long a new pod must be ready before it counts
	// as available.
	MinReadySeconds int32 `json:"minReadySeconds,omitempty"`
	// RevisionHistoryLimit is how many old revisions to keep for rollback
	// (default 10).
	RevisionHistoryLimit *int32 `json:"revisionHistoryLimit,omitempty"`
	// Paused stops rollouts until it is cleared.
	Paused bool `json:"paused,omitempty"`
	// ProgressDeadlineSeconds is how long a rollout may make no progress
	// before it is reported as failed (default 600).
	ProgressDeadlineSeconds *int32 `json:"progressDeadlineSeconds,omitempty"`
}

// DeploymentStrategyType names a deployment strategy.
type DeploymentStrategyType string

// Deployment strategies.
const (
	// RollingUpdateDeploymentStrategyType replaces pods a few at a time
	// (the default).
	RollingUpdateDeploymentStrategyType DeploymentStrategyType = "RollingUpdate"
	// RecreateDeploymentStrategyType stops every old pod before starting
	// new ones.
	RecreateDeploymentStrategyType DeploymentStrategyType = "Recreate"
)

// DeploymentStrategy is how a deployment replaces pods.
type DeploymentStrategy struct {
	// Type is RollingUpdate (default) or Recreate.
	Type DeploymentStrategyType `json:"type,omitempty"`
	// RollingUpdate tunes a RollingUpdate; only allowed with that type.
	RollingUpdate *RollingUpdateDeployment `json:"rollingUpdate,omitempty"`
}

// RollingUpdateDeployment bounds a rolling update.
type RollingUpdateDeployment struct {
	// MaxUnavailable is how many pods (or what percentage of replicas, rounded
	// down) may be unavailable during the update (default 25%).
	MaxUnavailable *IntOrString `json:"maxUnavailable,omitempty"`
	// MaxSurge is how many pods (or what percentage, rounded up) may exist
	// above the desired number (default 25%).
	MaxSurge *IntOrString `json:"maxSurge,omitempty"`
}

// DeploymentStatus is the observed state of a deployment.
type DeploymentStatus struct {
	// ObservedGeneration is the generation this status describes.
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Replicas counts pods of every revision.
	Replicas int32 `json:"replicas,omitempty"`
	// UpdatedReplicas counts pods of the current template.
	UpdatedReplicas int32 `json:"updatedReplicas,omitempty"`
	// ReadyReplicas counts ready pods.
	ReadyReplicas int32 `json:"readyReplicas,omitempty"`
	// AvailableReplicas counts pods ready for at least minReadySeconds.
	AvailableReplicas int32 `json:"availableReplicas,omitempty"`
	// UnavailableReplicas counts desired pods that are not available.
	UnavailableReplicas int32 `json:"unavailableReplicas,omitempty"`
	// Conditions are Available, Progressing and ReplicaFailure.
	Conditions []DeploymentCondition `json:"conditions,omitempty"`
}

// DeploymentConditionType names a deployment condition.
type DeploymentConditionType string

// Deployment condition types.
const (
	// DeploymentAvailable is True when at least replicas-maxUnavailable pods
	// are available.
	DeploymentAvailable DeploymentConditionType = "Available"
	// DeploymentProgressing is True while a rollout makes progress or has
	// finished, False when it passed its progress deadline.
	DeploymentProgressing DeploymentConditionType = "Progressing"
	// DeploymentReplicaFailure is True when pods cannot be created or placed.
	DeploymentReplicaFailure DeploymentConditionType = "ReplicaFailure"
)

// DeploymentCondition is one aspect of a deployment's state.
type DeploymentCondition struct {
	// Type is Available, Progressing or ReplicaFailure.
	Type DeploymentConditionType `json:"type"`
	// Status is True, False or Unknown.
	Status ConditionStatus `json:"status"`
	// Reason is a CamelCase word for the last transition.
	Reason string `json:"reason,omitempty"`
	// Message explains the last transition to a human.
	Message string `json:"message,omitempty"`
	// LastUpdateTime is when the condition was last written.
	LastUpdateTime *time.Time `json:"lastUpdateTime,omitempty"`
	// LastTransitionTime is when Status last changed.
	LastTransitionTime *time.Time `json:"lastTransitionTime,omitempty"`
}
