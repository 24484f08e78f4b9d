package controller

import (
	"slices"
	"strconv"
	"strings"

	"github.com/shoal-dev/shoal/api"
)

// syncStatefulSet gives a StatefulSet pods NAME-0 .. NAME-(replicas-1).
//
// A pod is replaced under the same name, so its deletion and its
// re-creation are always in different passes (Changes commits creates
// before deletes). Terminal pods are deleted; pods on a node that has not
// been Ready for max(NodeGrace, FenceAfter) are deleted too — by then the
// cut-off agent has stopped them itself, so an identity never runs twice.
// OrderedReady creates the lowest missing ordinal only when every lower
// one is Running and Ready, and removes surplus pods from the highest
// ordinal, one at a time, only when every lower one is Running and Ready;
// Parallel does both all at once. A RollingUpdate, once every pod is
// Running and Ready, deletes the highest-ordinal pod (not below the
// partition) whose revision differs; it comes back at the new revision.
func (p *pass) syncStatefulSet(ss *api.StatefulSet) {
	replicas := int(int32Or(ss.Spec.Replicas, 1))
	rev := TemplateHash(&ss.Spec.Template)
	ordered := ss.Spec.PodManagementPolicy != api.ParallelPodManagement

	byOrd := map[int]*api.Pod{}
	var ords []int
	for _, pod := range p.owned[ss.UID] {
		ord, ok := ordinalOf(ss.Name, pod.Name)
		if !ok {
			// Not a name of the set: no identity to keep, but it may run.
			if p.mayCollect(pod) {
				p.remove(pod)
			}
			continue
		}
		byOrd[ord] = pod
		ords = append(ords, ord)
	}
	slices.Sort(ords)
	volumeNodes, volumesChanged := volumeNodesOf(ss, byOrd, ords)
	for _, ord := range ords {
		p.createStatefulClaims(ss, ord, volumeNodes)
	}

	// Pods that are gone for good: deleted now, recreated next pass.
	gone := map[int]bool{}
	for _, ord := range ords {
		pod := byOrd[ord]
		if isTerminal(pod) || pod.Spec.NodeName != "" && p.nodeLost(pod.Spec.NodeName, p.cfg.statefulGrace()) {
			p.remove(pod)
			gone[ord] = true
		}
	}
	healthy := func(ord int) bool {
		pod := byOrd[ord]
		return pod != nil && !gone[ord] && p.isReady(pod)
	}

	// Create missing replicas, in order, at most BurstReplicas a pass.
	acted := len(gone) > 0
	var tmpl templateJSON
	allHealthy := true
	created := 0
	for i := 0; i < replicas; i++ {
		if byOrd[i] == nil {
			if ordered && !allHealthy || created == BurstReplicas {
				break
			}
			created++
			if tmpl == nil {
				tmpl = encodeTemplate(&ss.Spec.Template)
			}
			p.create(statefulPod(ss, tmpl, i, rev, volumeNodes))
			p.createStatefulClaims(ss, i, volumeNodes)
			acted = true
		}
		if !healthy(i) {
			allHealthy = false
		}
	}

	// Remove surplus pods, from the highest ordinal. A pod on a node that
	// is not Ready is not removed (its agent may not hear of it) until the
	// node is lost long enough for the agent to have fenced itself; then it
	// is gone (above).
	var condemned []int
	for _, ord := range ords {
		if ord >= replicas && !gone[ord] {
			condemned = append(condemned, ord)
		}
	}
	if len(condemned) > 0 {
		switch {
		case !ordered:
			for _, ord := range condemned {
				if p.reachable(byOrd[ord]) {
					p.remove(byOrd[ord])
					acted = true
				}
			}
		case allHealthy && !acted:
			target := condemned[len(condemned)-1]
			lowerHealthy := true
			for _, ord := range condemned[:len(condemned)-1] {
				lowerHealthy = lowerHealthy && healthy(ord)
			}
			if lowerHealthy && p.reachable(byOrd[target]) {
				p.remove(byOrd[target])
				acted = true
			}
		}
	}

	// Roll one pod to the new revision.
	if rollingUpdate := ss.Spec.UpdateStrategy.Type != api.OnDeleteStatefulSetStrategyType; rollingUpdate && allHealthy && !acted && len(condemned) == 0 {
		partition := 0
		if ru := ss.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
			partition = int(*ru.Partition)
		}
		for i := replicas - 1; i >= max(partition, 0); i-- {
			if byOrd[i].Labels[api.LabelControllerRevisionHash] != rev {
				p.remove(byOrd[i])
				break
			}
		}
	}

	st := p.statefulSetStatus(ss, byOrd, rev, replicas)
	if volumesChanged {
		cp := api.DeepCopy(ss)
		cp.Annotations = withLabel(cp.Annotations, api.AnnotationVolumeNodes, encodeVolumeNodes(volumeNodes))
		cp.Status = st
		p.update(cp)
		return
	}
	if !sameJSON(st, ss.Status) {
		cp := api.DeepCopy(ss)
		cp.Status = st
		p.status(cp)
	}
}

// statefulSetStatus counts the set's pods as they are now.
func (p *pass) statefulSetStatus(ss *api.StatefulSet, byOrd map[int]*api.Pod, rev string, replicas int) api.StatefulSetStatus {
	st := api.StatefulSetStatus{ObservedGeneration: ss.Generation, UpdateRevision: rev}
	current := ss.Status.CurrentRevision
	if current == "" {
		current = rev
	}
	for _, pod := range byOrd {
		if !isActive(pod) {
			continue
		}
		st.Replicas++
		if p.isReady(pod) {
			st.ReadyReplicas++
			if p.isAvailable(pod, ss.Spec.MinReadySeconds) {
				st.AvailableReplicas++
			}
		}
		if pod.Labels[api.LabelControllerRevisionHash] == rev {
			st.UpdatedReplicas++
		}
	}
	if int(st.UpdatedReplicas) == replicas && st.Replicas == st.UpdatedReplicas {
		current = rev
	}
	for _, pod := range byOrd {
		if isActive(pod) && pod.Labels[api.LabelControllerRevisionHash] == current {
			st.CurrentReplicas++
		}
	}
	st.CurrentRevision = current
	return st
}

// statefulPod builds pod NAME-ord of ss at revision rev.
func statefulPod(ss *api.StatefulSet, tmpl templateJSON, ord int, rev string, volumeNodes map[string]string) *api.Pod {
	name := ss.Name + "-" + strconv.Itoa(ord)
	pod := tmpl.newPod(ss.Namespace, name, controllerRef("StatefulSet", &ss.ObjectMeta))
	pod.Labels[api.LabelStatefulSetPodName] = name
	pod.Labels[api.LabelControllerRevisionHash] = rev
	pod.Spec.Hostname = name
	pod.Spec.Subdomain = ss.Spec.ServiceName
	node := ""
	for _, ct := range ss.Spec.VolumeClaimTemplates {
		claim := claimName(ct.Name, ss.Name, ord)
		v := api.Volume{Name: ct.Name, PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: claim}}
		if i := slices.IndexFunc(pod.Spec.Volumes, func(v api.Volume) bool { return v.Name == ct.Name }); i >= 0 {
			pod.Spec.Volumes[i] = v
		} else {
			pod.Spec.Volumes = append(pod.Spec.Volumes, v)
		}
		if n := volumeNodes[claim]; n != "" && node == "" {
			node = n
		}
	}
	if node != "" {
		pod.Annotations = withLabel(pod.Annotations, api.AnnotationVolumeNode, node)
	}
	return pod
}

// reachable reports whether deleting the pod stops it: it is unbound,
// terminal, or its node is Ready (its agent hears of the delete).
func (p *pass) reachable(pod *api.Pod) bool {
	return pod.Spec.NodeName == "" || isTerminal(pod) || p.nodeReady(pod.Spec.NodeName)
}

// ordinalOf parses the ordinal of pod name SET-N (N in canonical decimal).
func ordinalOf(set, pod string) (int, bool) {
	s, ok := strings.CutPrefix(pod, set+"-")
	if !ok || s == "" || len(s) > 9 || s[0] == '0' && len(s) > 1 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || strconv.Itoa(n) != s {
		return 0, false
	}
	return n, true
}
