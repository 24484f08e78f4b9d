package api

import "fmt"

func init() {
	register(&Kind{
		Name: "PriorityClass", APIVersion: "scheduling.k8s.io/v1", Plural: "priorityclasses",
		Aliases: []string{"priorityclass", "pc"}, Namespaced: false, UserWritable: true,
		New: func() Object { return &PriorityClass{} },
	})
}

// PreemptionPolicy says whether a pod may evict lower-priority pods to
// make room for itself.
type PreemptionPolicy string

// Preemption policies.
const (
	// PreemptLowerPriority lets the pod preempt lower-priority pods (the
	// default).
	PreemptLowerPriority PreemptionPolicy = "PreemptLowerPriority"
	// PreemptNever keeps the pod waiting for room instead.
	PreemptNever PreemptionPolicy = "Never"
)

// Priority limits and built-in classes, as Kubernetes'.
const (
	// HighestUserDefinablePriority is the largest value a user's
	// PriorityClass may have.
	HighestUserDefinablePriority = 1000000000
	// SystemCriticalPriority is the value of system-cluster-critical.
	SystemCriticalPriority = 2 * HighestUserDefinablePriority
	// SystemClusterCritical is the built-in class for cluster add-ons.
	SystemClusterCritical = "system-cluster-critical"
	// SystemNodeCritical is the built-in class for per-node essentials.
	SystemNodeCritical = "system-node-critical"
	// systemPriorityClassPrefix starts the names reserved for built-in
	// classes.
	systemPriorityClassPrefix = "system-"
)

// PriorityClass maps a name to a pod priority. Unlike most kinds its
// fields sit at the top level, not under spec.
type PriorityClass struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// Value is the priority of pods of the class; higher goes first and
	// may preempt lower. At most 1,000,000,000 for user classes.
	Value int32 `json:"value"`
	// GlobalDefault makes the class the priority of pods that name none;
	// at most one class may set it.
	GlobalDefault bool `json:"globalDefault,omitempty"`
	// Description says when to use the class.
	Description string `json:"description,omitempty"`
	// PreemptionPolicy is the pods' default: PreemptLowerPriority or
	// Never.
	PreemptionPolicy *PreemptionPolicy `json:"preemptionPolicy,omitempty"`
}

// BuiltinPriorityClasses are the classes every cluster has, as in
// Kubernetes; they are not stored and cannot be applied.
func BuiltinPriorityClasses() []*PriorityClass {
	pol := PreemptLowerPriority
	mk := func(name string, value int32, desc string) *PriorityClass {
		p := pol
		return &PriorityClass{
			TypeMeta:         TypeMeta{APIVersion: "scheduling.k8s.io/v1", Kind: "PriorityClass"},
			ObjectMeta:       ObjectMeta{Name: name},
			Value:            value,
			Description:      desc,
			PreemptionPolicy: &p,
		}
	}
	return []*PriorityClass{
		mk(SystemClusterCritical, SystemCriticalPriority, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."),
		mk(SystemNodeCritical, SystemCriticalPriority+1000, "Used for system critical pods that must not be moved from their current node."),
	}
}

// PodPriority is the priority a pod is scheduled with: spec.priority,
// or 0 when it has none.
func PodPriority(p *Pod) int32 {
	if p.Spec.Priority == nil {
		return 0
	}
	return *p.Spec.Priority
}

// PodPreempts reports whether a pod may preempt others: its
// preemptionPolicy is not Never.
func PodPreempts(p *Pod) bool {
	return p.Spec.PreemptionPolicy == nil || *p.Spec.PreemptionPolicy != PreemptNever
}

// AdmitPodPriority fills s.Priority and s.PreemptionPolicy from the
// class s.PriorityClassName names, or from the global default class
// when it names none (s.PriorityClassName is then set to it; with no
// default class nothing changes: priority 0), as
// Kubernetes' priority admission does. classes are the stored classes;
// the built-in ones are added. A class that does not exist, or a
// priority or preemptionPolicy in s that differs from the class's, is
// an error naming it.
func AdmitPodPriority(s *PodSpec, classes []*PriorityClass) error {
	all := append(BuiltinPriorityClasses(), classes...)
	var pc *PriorityClass
	if s.PriorityClassName == "" {
		for _, c := range all {
			if c.GlobalDefault && (pc == nil || c.Value < pc.Value) {
				pc = c
			}
		}
	} else {
		for _, c := range all {
			if c.Name == s.PriorityClassName {
				pc = c
				break
			}
		}
		if pc == nil {
			return fmt.Errorf("priorityClassName: no PriorityClass named %s", quote(s.PriorityClassName))
		}
	}
	if pc == nil {
		// No class and no default: priority 0, PreemptLowerPriority, which
		// the unset fields already mean.
		return nil
	}
	value, policy := pc.Value, PreemptLowerPriority
	if pc.PreemptionPolicy != nil {
		policy = *pc.PreemptionPolicy
	}
	if s.Priority != nil && *s.Priority != value {
		return fmt.Errorf("priority: %d must not be set in the pod spec; the PriorityClass gives %d", *s.Priority, value)
	}
	if s.PreemptionPolicy != nil && *s.PreemptionPolicy != policy {
		return fmt.Errorf("preemptionPolicy: %s must not be set in the pod spec; the PriorityClass gives %s", quote(string(*s.PreemptionPolicy)), quote(string(policy)))
	}
	s.PriorityClassName = pc.Name
	s.Priority, s.PreemptionPolicy = &value, &policy
	return nil
}
