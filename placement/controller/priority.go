package controller

import "github.com/shoal-dev/shoal/api"

// fillPriority gives a pod the controllers create the priority and
// preemption policy of the PriorityClass its template names (or of the
// global default class), as Kubernetes' admission does for pods a
// controller creates. A class deleted since the workload was applied
// leaves the pod at priority 0 rather than blocking its creation.
func (p *pass) fillPriority(pod *api.Pod) {
	if pod.Spec.PriorityClassName == "" && len(p.priorityClasses) == 0 {
		return
	}
	s := pod.Spec
	if err := api.AdmitPodPriority(&s, p.priorityClasses); err == nil {
		pod.Spec = s
	}
}
