package api

func init() {
	register(&Kind{
		Name: "DaemonSet", APIVersion: "apps/v1", Plural: "daemonsets",
		Aliases: []string{"daemonset", "ds"}, Namespaced: true, UserWritable: true,
		New: func() Object { return &DaemonSet{} },
	})
}

// DaemonSet runs one pod on every node that matches the template's node
// selector.
type DaemonSet struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// Spec is the desired state of the set.
	Spec DaemonSetSpec `json:"spec"`
	// Status is written by the cluster.
	Status DaemonSetStatus `json:"status,omitzero"`
}

// DaemonSetSpec is the desired state of a daemon set.
type DaemonSetSpec struct {
	// Selector finds the set's pods; it must match the template's labels.
	Selector *LabelSelector `json:"selector"`
	// Template is the pod each node runs.
	Template PodTemplateSpec `json:"template"`
	// UpdateStrategy is how pods are replaced when the template changes.
	UpdateStrategy DaemonSetUpdateStrategy `json:"updateStrategy,omitzero"`
	// MinReadySeconds is how long a new pod must be ready before it counts
	// as available.
	MinReadySeconds int32 `json:"minReadySeconds,omitempty"`
	// RevisionHistoryLimit is how many old revisions to keep (default 10).
	RevisionHistoryLimit *int32 `json:"revisionHistoryLimit,omitempty"`
}

// DaemonSetUpdateStrategyType names a daemon set update strategy.
type DaemonSetUpdateStrategyType string

// Daemon set update strategies.
const (
	// RollingUpdateDaemonSetStrategyType replaces pods node by node (the
	// default).
	RollingUpdateDaemonSetStrategyType DaemonSetUpdateStrategyType = "RollingUpdate"
	// OnDeleteDaemonSetStrategyType replaces a pod only when it is deleted.
	OnDeleteDaemonSetStrategyType DaemonSetUpdateStrategyType = "OnDelete"
)

// DaemonSetUpdateStrategy is how a daemon set replaces pods.
type DaemonSetUpdateStrategy struct {
	// Type is RollingUpdate (default) or OnDelete.
	Type DaemonSetUpdateStrategyType `json:"type,omitempty"`
	// RollingUpdate tunes a RollingUpdate; only allowed with that type.
	RollingUpdate *RollingUpdateDaemonSet `json:"rollingUpdate,omitempty"`
}

// RollingUpdateDaemonSet bounds a daemon set rolling update. One of the two
// is non-zero.
type RollingUpdateDaemonSet struct {
	// MaxUnavailable is how many nodes (or what percentage) may be without
	// an available pod during the update (default 1).
	MaxUnavailable *IntOrString `json:"maxUnavailable,omitempty"`
	// MaxSurge is how many nodes (or what percentage) may run an old and a
	// new pod at once (default 0); must be 0 if MaxUnavailable is not.
	MaxSurge *IntOrString `json:"maxSurge,omitempty"`
}

// DaemonSetStatus is the observed state of a daemon set.
type DaemonSetStatus struct {
	// ObservedGeneration is the generation this status describes.
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// DesiredNumberScheduled counts nodes that should run the pod.
	DesiredNumberScheduled int32 `json:"desiredNumberScheduled"`
	// CurrentNumberScheduled counts nodes that run the pod and should.
	CurrentNumberScheduled int32 `json:"currentNumberScheduled"`
	// NumberMisscheduled counts nodes that run the pod but should not.
	NumberMisscheduled int32 `json:"numberMisscheduled"`
	// NumberReady counts nodes whose pod is ready.
	NumberReady int32 `json:"numberReady"`
	// UpdatedNumberScheduled counts nodes that run the current template.
	UpdatedNumberScheduled int32 `json:"updatedNumberScheduled,omitempty"`
	// NumberAvailable counts nodes whose pod has been ready for at least
	// minReadySeconds.
	NumberAvailable int32 `json:"numberAvailable,omitempty"`
}
