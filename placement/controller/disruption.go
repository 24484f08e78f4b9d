package controller

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// DisruptedPodTimeout is how long an evicted pod stays in a budget's
// disruptedPods (not counted healthy) while its deletion is not seen, as
// in Kubernetes: an eviction whose delete never landed stops holding the
// budget after it.
const DisruptedPodTimeout = 2 * time.Minute

// Scale is what a budget expects of the controller of some pods: the
// uid of the top controller (a ReplicaSet's Deployment, or the
// controller itself) and its replicas.
type Scale struct {
	// Owner is the uid of the top controller; pods of two ReplicaSets of
	// one Deployment share it and count its replicas once.
	Owner string
	// Replicas is the top controller's spec.replicas.
	Replicas int32
}

// DisruptionScales maps the uid of every controller whose pods a budget
// can count by scale (ReplicaSet, Deployment through its ReplicaSets,
// StatefulSet) to its Scale.
func DisruptionScales(deployments []*api.Deployment, replicaSets []*api.ReplicaSet, statefulSets []*api.StatefulSet) map[string]Scale {
	out := make(map[string]Scale, len(replicaSets)+len(statefulSets))
	byUID := make(map[string]*api.Deployment, len(deployments))
	for _, d := range deployments {
		byUID[d.UID] = d
	}
	for _, rs := range replicaSets {
		s := Scale{Owner: rs.UID, Replicas: replicas(rs.Spec.Replicas)}
		if ref := controllerOf(&rs.ObjectMeta); ref != nil && ref.Kind == "Deployment" {
			if d := byUID[ref.UID]; d != nil {
				s = Scale{Owner: d.UID, Replicas: replicas(d.Spec.Replicas)}
			}
		}
		out[rs.UID] = s
	}
	for _, ss := range statefulSets {
		out[ss.UID] = Scale{Owner: ss.UID, Replicas: replicas(ss.Spec.Replicas)}
	}
	return out
}

// replicas reads a replicas field whose default is 1.
func replicas(n *int32) int32 {
	if n == nil {
		return 1
	}
	return *n
}

// BudgetSelects reports whether b covers pod: same namespace and a
// selector that matches its labels (an empty selector matches every pod,
// a missing one none).
func BudgetSelects(b *api.PodDisruptionBudget, pod *api.Pod) bool {
	return b.Namespace == pod.Namespace && b.Spec.Selector != nil && b.Spec.Selector.Matches(pod.Labels)
}

// podHealthy reports whether a pod counts toward a budget: Ready, not
// finished and not being deleted.
func podHealthy(pod *api.Pod) bool {
	if pod.DeletionTimestamp != nil || isTerminal(pod) {
		return false
	}
	c := podReadyCondition(pod)
	return c != nil && c.Status == api.ConditionTrue
}

// BudgetStatus computes b's status over pods (every pod; those b does not
// select are skipped) as the Kubernetes disruption controller does:
//
//   - expected pods: the selected pods for an integer minAvailable, else
//     the sum of the replicas of their controllers (scales), with a pod
//     that has no such controller counted as one;
//   - desired healthy: minAvailable, or its percentage of the expected
//     pods rounded up, or expected minus maxUnavailable (a percentage of
//     it rounded up); 0 when neither is set;
//   - current healthy: selected pods that are Ready, not finished, not
//     being deleted and not in disruptedPods;
//   - disruptions allowed: current minus desired, never below 0, and 0
//     while no pod is expected.
//
// disruptedPods keeps the entries of pods that still exist, are not being
// deleted and were evicted less than DisruptedPodTimeout before now.
func BudgetStatus(b *api.PodDisruptionBudget, pods []*api.Pod, scales map[string]Scale, now time.Time) api.PodDisruptionBudgetStatus {
	var selected []*api.Pod
	for _, pod := range pods {
		if BudgetSelects(b, pod) {
			selected = append(selected, pod)
		}
	}
	st := api.PodDisruptionBudgetStatus{ObservedGeneration: b.Generation}
	live := map[string]bool{}
	for _, pod := range selected {
		if pod.DeletionTimestamp == nil {
			live[pod.Name] = true
		}
	}
	for name, at := range b.Status.DisruptedPods {
		if live[name] && now.Before(at.Add(DisruptedPodTimeout)) {
			if st.DisruptedPods == nil {
				st.DisruptedPods = map[string]time.Time{}
			}
			st.DisruptedPods[name] = at
		}
	}
	for _, pod := range selected {
		if _, disrupted := st.DisruptedPods[pod.Name]; !disrupted && podHealthy(pod) {
			st.CurrentHealthy++
		}
	}
	st.ExpectedPods, st.DesiredHealthy = expectedAndDesired(b, selected, scales)
	if allowed := st.CurrentHealthy - st.DesiredHealthy; st.ExpectedPods > 0 && allowed > 0 {
		st.DisruptionsAllowed = allowed
	}
	return st
}

// expectedAndDesired returns how many pods b expects and how many of
// them must be healthy.
func expectedAndDesired(b *api.PodDisruptionBudget, selected []*api.Pod, scales map[string]Scale) (expected, desired int32) {
	active := 0
	for _, pod := range selected {
		if !isTerminal(pod) {
			active++
		}
	}
	if m := b.Spec.MinAvailable; m != nil && m.Type == api.TypeInt {
		return int32(active), m.IntVal
	}
	if b.Spec.MinAvailable == nil && b.Spec.MaxUnavailable == nil {
		return int32(active), 0
	}
	counted := map[string]bool{}
	total := 0
	for _, pod := range selected {
		if isTerminal(pod) {
			continue
		}
		ref := controllerOf(&pod.ObjectMeta)
		s, ok := Scale{}, false
		if ref != nil {
			s, ok = scales[ref.UID]
		}
		if !ok {
			total++
			continue
		}
		if !counted[s.Owner] {
			counted[s.Owner] = true
			total += int(s.Replicas)
		}
	}
	if m := b.Spec.MinAvailable; m != nil {
		n, err := m.ScaledValue(total, true)
		if err != nil { // validation refuses it; expect everything healthy
			n = total
		}
		return int32(total), int32(n)
	}
	n, err := b.Spec.MaxUnavailable.ScaledValue(total, true)
	if err != nil {
		n = 0
	}
	return int32(total), int32(max(total-n, 0))
}

// Eviction is the eviction API's decision about one pod.
type Eviction struct {
	// Allowed says whether the pod may be evicted now.
	Allowed bool
	// Budget is the budget that decided, or nil when none covers the pod
	// or none needed asking (a pod that is not running, or is already
	// being deleted).
	Budget *api.PodDisruptionBudget
	// Status, when Budget is set and Allowed, is the budget's status to
	// write (guarded by its resourceVersion) before deleting the pod: the
	// pod is in disruptedPods and one disruption fewer is allowed.
	Status *api.PodDisruptionBudgetStatus
	// Reason says why a refused eviction would violate Budget.
	Reason string
}

// ErrManyBudgets is the cause of DecideEviction's error when more than
// one budget covers a pod (Kubernetes refuses those evictions too).
type ErrManyBudgets struct {
	// Names are "namespace/name" of the budgets, sorted.
	Names []string
}

func (e ErrManyBudgets) Error() string {
	return fmt.Sprintf("pod is covered by more than one PodDisruptionBudget (%s); eviction supports at most one", strings.Join(e.Names, ", "))
}

// DecideEviction decides whether pod may be evicted now, as the
// Kubernetes eviction API does with the default unhealthy-pod policy
// (IfHealthyBudget): a pod that is Pending, finished or already being
// deleted goes without asking; a healthy pod needs a disruption its
// budget allows; a pod that is not Ready goes while its budget has as
// many healthy pods as it requires. The budget's status is computed
// afresh from pods (BudgetStatus), not read from what the leader last
// wrote.
func DecideEviction(pod *api.Pod, budgets []*api.PodDisruptionBudget, pods []*api.Pod, scales map[string]Scale, now time.Time) (Eviction, error) {
	if pod.DeletionTimestamp != nil || isTerminal(pod) || pod.Status.Phase == api.PodPending || pod.Status.Phase == "" {
		return Eviction{Allowed: true}, nil
	}
	var covering []*api.PodDisruptionBudget
	for _, b := range budgets {
		if BudgetSelects(b, pod) {
			covering = append(covering, b)
		}
	}
	switch len(covering) {
	case 0:
		return Eviction{Allowed: true}, nil
	case 1:
	default:
		names := make([]string, len(covering))
		for i, b := range covering {
			names[i] = b.Namespace + "/" + b.Name
		}
		slices.Sort(names)
		return Eviction{}, ErrManyBudgets{Names: names}
	}
	b := covering[0]
	st := BudgetStatus(b, pods, scales, now)
	if _, disrupted := st.DisruptedPods[pod.Name]; disrupted {
		// Evicted already; its delete is on the way.
		return Eviction{Allowed: true, Budget: b}, nil
	}
	if !podHealthy(pod) && st.CurrentHealthy >= st.DesiredHealthy {
		return Eviction{Allowed: true, Budget: b}, nil
	}
	if st.DisruptionsAllowed <= 0 {
		return Eviction{Budget: b, Reason: fmt.Sprintf("the disruption budget %s needs %d healthy pods and has %d currently", b.Name, st.DesiredHealthy, st.CurrentHealthy)}, nil
	}
	if !podHealthy(pod) {
		return Eviction{Allowed: true, Budget: b}, nil
	}
	st.DisruptionsAllowed--
	st.CurrentHealthy--
	st.DisruptedPods = maps.Clone(st.DisruptedPods)
	if st.DisruptedPods == nil {
		st.DisruptedPods = map[string]time.Time{}
	}
	st.DisruptedPods[pod.Name] = now.UTC().Truncate(time.Second)
	return Eviction{Allowed: true, Budget: b, Status: &st}, nil
}

// syncDisruptionBudgets writes the status of every budget whose computed
// status differs from the stored one.
func (p *pass) syncDisruptionBudgets() {
	if len(p.budgets) == 0 {
		return
	}
	scales := DisruptionScales(p.deployments, p.replicaSets, p.statefulSets)
	for _, b := range p.budgets {
		st := BudgetStatus(b, p.pods, scales, p.now)
		if budgetStatusEqual(st, b.Status) {
			continue
		}
		cp := api.DeepCopy(b)
		cp.Status = st
		p.status(cp)
	}
}

func budgetStatusEqual(a, b api.PodDisruptionBudgetStatus) bool {
	return a.ObservedGeneration == b.ObservedGeneration && a.DisruptionsAllowed == b.DisruptionsAllowed &&
		a.CurrentHealthy == b.CurrentHealthy && a.DesiredHealthy == b.DesiredHealthy &&
		a.ExpectedPods == b.ExpectedPods &&
		maps.EqualFunc(a.DisruptedPods, b.DisruptedPods, time.Time.Equal)
}
