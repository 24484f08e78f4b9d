package controller

import (
	"strconv"

	"github.com/shoal-dev/shoal/api"
)

// syncReplicaSet makes the pods of one ReplicaSet match its replicas (as
// the Deployment stage left them in this pass): terminal pods are deleted
// and replaced, missing pods are created (unbound, at most BurstReplicas a pass),
// surplus pods are deleted in order of preference. It writes the status,
// counted over the pods as they are now.
func (p *pass) syncReplicaSet(stored *api.ReplicaSet) {
	if !p.live[stored.UID] || p.deleting(stored) {
		return
	}
	rs := stored
	if d := p.desiredRS[stored.UID]; d != nil {
		rs = d
	}
	replicas := int(int32Or(rs.Spec.Replicas, 1))
	minReady := rs.Spec.MinReadySeconds

	var active []*api.Pod
	for _, pod := range p.owned[rs.UID] {
		switch {
		case isTerminal(pod):
			if !p.touched(api.KeyOf(pod)) {
				p.remove(pod)
			}
		case isActive(pod):
			active = append(active, pod)
		}
	}
	switch diff := len(active) - replicas; {
	case diff < 0:
		p.createReplicas(rs, -diff)
	case diff > 0:
		for _, pod := range p.byDeletionPreference(active, minReady)[:diff] {
			p.remove(pod)
		}
	}

	c := p.count(rs.UID, minReady)
	st := api.ReplicaSetStatus{
		ObservedGeneration: stored.Generation,
		Replicas:           c.active,
		ReadyReplicas:      c.ready,
		AvailableReplicas:  c.available,
	}
	if rs != stored {
		rs.Status = st
		p.update(rs)
		return
	}
	if !sameJSON(st, stored.Status) {
		cp := api.DeepCopy(stored)
		cp.Status = st
		p.status(cp)
	}
}

// BurstReplicas is the most pods one ReplicaSet or StatefulSet creates in
// one pass, as Kubernetes' burstReplicas: a set scaled to thousands fills
// up over several passes (each a few Raft commands, see the leader's slow
// start), and the scheduler places each part in between.
const BurstReplicas = 500

// createReplicas creates n pods for rs (at most BurstReplicas), named
// RS-xxxxx where the suffix comes from the ReplicaSet's uid and the lowest
// index whose name is free.
func (p *pass) createReplicas(rs *api.ReplicaSet, n int) {
	n = min(n, BurstReplicas)
	tmpl := encodeTemplate(&rs.Spec.Template)
	owner := controllerRef("ReplicaSet", &rs.ObjectMeta)
	for i := 0; n > 0; i++ {
		name := generatedName(rs.Name, rs.UID+"/"+strconv.Itoa(i))
		if !p.nameFree(rs.Namespace, name) {
			continue
		}
		p.create(tmpl.newPod(rs.Namespace, name, owner))
		n--
	}
}
