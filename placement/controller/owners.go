package controller

import "github.com/shoal-dev/shoal/api"

// workloadKinds are the owner kinds this package manages. An object whose
// controller is of another kind is never collected here.
var workloadKinds = map[string]bool{
	"Deployment": true, "ReplicaSet": true, "StatefulSet": true, "DaemonSet": true,
	"Job": true, "CronJob": true,
}

// controllerOf returns the owner reference marked controller=true, or nil.
func controllerOf(m *api.ObjectMeta) *api.OwnerReference {
	for i := range m.OwnerReferences {
		if c := m.OwnerReferences[i].Controller; c != nil && *c {
			return &m.OwnerReferences[i]
		}
	}
	return nil
}

// controllerRef returns a controller owner reference to the workload of
// the given kind (all of them are apps/v1) with metadata m.
func controllerRef(kind string, m *api.ObjectMeta) api.OwnerReference {
	yes := true
	return api.OwnerReference{APIVersion: "apps/v1", Kind: kind, Name: m.Name, UID: m.UID, Controller: &yes}
}

// collectGarbage deletes ReplicaSets and pods whose controller owner (a
// workload kind) no longer exists, matching owners by uid so that a new
// object under an old name does not adopt the old one's children. The
// cascade is done in one pass: a ReplicaSet whose Deployment is gone is
// deleted with its pods. It also indexes live objects by their owner.
func (p *pass) collectGarbage() {
	p.live = map[string]bool{}
	mark := func(o api.Object) {
		uid := o.GetObjectMeta().UID
		if uid != "" {
			p.live[uid] = true
		}
	}
	for _, d := range p.deployments {
		mark(d)
	}
	for _, ss := range p.statefulSets {
		mark(ss)
	}
	for _, ds := range p.daemonSets {
		mark(ds)
	}
	p.markBatch(mark)
	for _, rs := range p.replicaSets {
		if p.orphaned(rs) {
			p.remove(rs)
			continue
		}
		mark(rs)
	}
	p.owned = map[string][]*api.Pod{}
	for _, pod := range p.pods {
		ref := controllerOf(&pod.ObjectMeta)
		switch {
		case ref == nil:
		case p.live[ref.UID]:
			p.owned[ref.UID] = append(p.owned[ref.UID], pod)
		case workloadKinds[ref.Kind] && p.mayCollect(pod):
			p.remove(pod)
		}
	}
	p.replicaSetsOf = map[string][]*api.ReplicaSet{}
	for _, rs := range p.replicaSets {
		if ref := controllerOf(&rs.ObjectMeta); ref != nil && p.live[rs.UID] {
			p.replicaSetsOf[ref.UID] = append(p.replicaSetsOf[ref.UID], rs)
		}
	}
}

// mayCollect reports whether an orphaned pod may be deleted now. A
// StatefulSet pod on a node that is not Ready waits until the node has been
// lost for max(NodeGrace, FenceAfter): its identity could otherwise run
// twice if the set is re-created meanwhile.
func (p *pass) mayCollect(pod *api.Pod) bool {
	ref := controllerOf(&pod.ObjectMeta)
	return ref.Kind != "StatefulSet" || p.reachable(pod) || p.nodeLost(pod.Spec.NodeName, p.cfg.statefulGrace())
}

// orphaned reports whether o's controller is a workload that is gone.
func (p *pass) orphaned(o api.Object) bool {
	ref := controllerOf(o.GetObjectMeta())
	return ref != nil && workloadKinds[ref.Kind] && !p.live[ref.UID]
}
