package api

import "time"

func init() {
	register(&Kind{
		Name: "PodDisruptionBudget", APIVersion: "policy/v1", Plural: "poddisruptionbudgets",
		Aliases: []string{"poddisruptionbudget", "pdb"}, Namespaced: true, UserWritable: true,
		New: func() Object { return &PodDisruptionBudget{} },
	})
}

// PodDisruptionBudget limits how many of the pods it selects voluntary
// disruptions (evictions: drain, preemption) may take down at once.
type PodDisruptionBudget struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// Spec is the budget.
	Spec PodDisruptionBudgetSpec `json:"spec"`
	// Status is written by the cluster (the leader and the eviction API).
	Status PodDisruptionBudgetStatus `json:"status,omitzero"`
}

// PodDisruptionBudgetSpec says which pods a budget covers and how many
// must stay healthy. At most one of MinAvailable and MaxUnavailable is set.
type PodDisruptionBudgetSpec struct {
	// MinAvailable is how many selected pods must stay healthy after an
	// eviction: a number, or a percentage of the expected pods rounded up.
	MinAvailable *IntOrString `json:"minAvailable,omitempty"`
	// Selector picks the pods of the budget's namespace it covers; an
	// empty selector covers every pod of the namespace.
	Selector *LabelSelector `json:"selector,omitempty"`
	// MaxUnavailable is how many of the expected pods may be unhealthy
	// after an eviction: a number, or a percentage rounded up.
	MaxUnavailable *IntOrString `json:"maxUnavailable,omitempty"`
}

// PodDisruptionBudgetStatus is a budget's observed state.
type PodDisruptionBudgetStatus struct {
	// ObservedGeneration is the spec generation this status was computed
	// from.
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// DisruptedPods maps the names of pods the eviction API has let go
	// but whose deletion the leader has not yet seen to when they were
	// evicted; they do not count as healthy. Entries older than two
	// minutes are dropped.
	DisruptedPods map[string]time.Time `json:"disruptedPods,omitempty"`
	// DisruptionsAllowed is how many selected pods may be evicted now.
	DisruptionsAllowed int32 `json:"disruptionsAllowed"`
	// CurrentHealthy is how many selected pods are Ready and not being
	// deleted.
	CurrentHealthy int32 `json:"currentHealthy"`
	// DesiredHealthy is how many healthy pods the budget requires.
	DesiredHealthy int32 `json:"desiredHealthy"`
	// ExpectedPods is how many pods the budget expects: the replicas of
	// the selected pods' controllers, or the selected pods themselves.
	ExpectedPods int32 `json:"expectedPods"`
}
