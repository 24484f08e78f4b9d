package controller

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/shoal-dev/shoal/api"
)

// revisionView is one ReplicaSet of a Deployment as the rollout sees it:
// how many replicas it should have after this pass (want) and what its
// pods are doing now.
type revisionView struct {
	rs       *api.ReplicaSet
	want     int32
	revision int64
	podCounts
	created bool // made in this pass: no uid, no pods yet
	deleted bool // deleted in this pass (revision history cleanup)
}

// syncDeployment finds or creates the Deployment's current revision,
// moves replicas between revisions by its strategy, trims the revision
// history and writes its status. The ReplicaSet stage then creates and
// deletes pods to match.
func (p *pass) syncDeployment(d *api.Deployment) {
	if d.Spec.Selector == nil {
		return // not valid; the API refuses such objects
	}
	replicas := int32Or(d.Spec.Replicas, 1)
	minReady := d.Spec.MinReadySeconds
	want := canonicalTemplate(&d.Spec.Template, "")

	var cur *revisionView
	var olds []*revisionView
	for _, rs := range p.replicaSetsOf[d.UID] {
		v := &revisionView{rs: rs, revision: revisionOf(rs), podCounts: p.count(rs.UID, minReady)}
		// A revision with more pods than replicas (a pass whose deletes were
		// never committed) starts from its pods: whether they go is decided
		// again, against this state's availability.
		v.want = max(int32Or(rs.Spec.Replicas, 1), v.active)
		if cur == nil && bytes.Equal(canonicalTemplate(&rs.Spec.Template, api.LabelPodTemplateHash), want) {
			cur = v
			continue
		}
		olds = append(olds, v)
	}
	slices.SortFunc(olds, func(a, b *revisionView) int {
		return cmp.Or(cmp.Compare(a.revision, b.revision), compareTimes(a.rs.CreationTimestamp, b.rs.CreationTimestamp), cmp.Compare(a.rs.Name, b.rs.Name))
	})
	var maxOld int64
	for _, v := range olds {
		maxOld = max(maxOld, v.revision)
	}

	// The current revision: new, or an old one brought back (rollback),
	// numbered after every other.
	found := false
	switch {
	case cur == nil && !d.Spec.Paused:
		rs := p.newReplicaSet(d, want, maxOld+1)
		if rs == nil {
			return // its name is freed by this pass's deletes: next pass
		}
		cur = &revisionView{rs: rs, revision: maxOld + 1, created: true}
	case cur != nil && cur.revision <= maxOld:
		cur.revision = maxOld + 1
		found = true
	}

	surge, unavailable := rollingBounds(d, replicas)
	switch {
	case d.Spec.Paused:
		scalePaused(cur, olds, replicas, surge)
	case d.Spec.Strategy.Type == api.RecreateDeploymentStrategyType:
		recreate(cur, olds, replicas)
	default:
		rollingUpdate(cur, olds, replicas, surge, unavailable)
	}
	p.trimHistory(d, olds)

	for _, v := range append([]*revisionView{cur}, olds...) {
		if v != nil && !v.deleted {
			p.applyRevision(v, minReady)
		}
	}
	st := p.deploymentStatus(d, cur, olds, replicas, unavailable, found)
	if !sameJSON(st, d.Status) {
		cp := api.DeepCopy(d)
		cp.Status = st
		p.status(cp)
	}
}

// applyRevision records what the rollout decided for one ReplicaSet: a
// create, or a changed copy for the ReplicaSet stage.
func (p *pass) applyRevision(v *revisionView, minReady int32) {
	if v.created {
		v.rs.Spec.Replicas = &v.want
		p.create(v.rs)
		return
	}
	rev := strconv.FormatInt(v.revision, 10)
	if int32Or(v.rs.Spec.Replicas, 1) == v.want && v.rs.Spec.MinReadySeconds == minReady && v.rs.Annotations[api.AnnotationRevision] == rev {
		return
	}
	cp := api.DeepCopy(v.rs)
	n := v.want
	cp.Spec.Replicas = &n
	cp.Spec.MinReadySeconds = minReady
	cp.Annotations = withLabel(cp.Annotations, api.AnnotationRevision, rev)
	p.desiredRS[cp.UID] = cp
}

// newReplicaSet builds the ReplicaSet of the Deployment's current
// template, named DEPLOYMENT-HASH (with the next hash if that name is taken
// by a live ReplicaSet of another template). It returns nil if the name is
// held by a ReplicaSet this pass deletes (an old Deployment's under the
// same name): creates are committed first, so it must wait a pass.
func (p *pass) newReplicaSet(d *api.Deployment, canonical []byte, revision int64) *api.ReplicaSet {
	var hash string
	for c := 0; ; c++ {
		hash = templateHash(canonical, c)
		taken := p.replicaSetNamed(d.Namespace, d.Name+"-"+hash)
		if taken == nil {
			break
		}
		if p.deleting(taken) {
			return nil
		}
	}
	var tmpl api.PodTemplateSpec
	if err := json.Unmarshal(canonical, &tmpl); err != nil {
		panic(fmt.Sprintf("controller: unmarshal pod template: %v", err))
	}
	tmpl.Labels = withLabel(tmpl.Labels, api.LabelPodTemplateHash, hash)
	sel := &api.LabelSelector{}
	b, _ := json.Marshal(d.Spec.Selector)
	if err := json.Unmarshal(b, sel); err != nil {
		panic(fmt.Sprintf("controller: copy selector: %v", err))
	}
	sel.MatchLabels = withLabel(sel.MatchLabels, api.LabelPodTemplateHash, hash)
	return &api.ReplicaSet{
		TypeMeta: api.TypeMeta{APIVersion: "apps/v1", Kind: "ReplicaSet"},
		ObjectMeta: api.ObjectMeta{
			Name:            d.Name + "-" + hash,
			Namespace:       d.Namespace,
			Labels:          withLabel(d.Spec.Template.Labels, api.LabelPodTemplateHash, hash),
			Annotations:     map[string]string{api.AnnotationRevision: strconv.FormatInt(revision, 10)},
			OwnerReferences: []api.OwnerReference{controllerRef("Deployment", &d.ObjectMeta)},
		},
		Spec: api.ReplicaSetSpec{
			MinReadySeconds: d.Spec.MinReadySeconds,
			Selector:        sel,
			Template:        tmpl,
		},
	}
}

func (p *pass) replicaSetNamed(namespace, name string) *api.ReplicaSet {
	for _, rs := range p.replicaSets {
		if rs.Namespace == namespace && rs.Name == name {
			return rs
		}
	}
	return nil
}

// revisionOf parses a ReplicaSet's revision annotation (0 if absent).
func revisionOf(rs *api.ReplicaSet) int64 {
	n, err := strconv.ParseInt(rs.Annotations[api.AnnotationRevision], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// rollingBounds resolves maxSurge (rounded up) and maxUnavailable (rounded
// down) against replicas, as Kubernetes does: both zero means one may be
// unavailable, so a rollout can always move. Recreate has neither.
func rollingBounds(d *api.Deployment, replicas int32) (surge, unavailable int32) {
	if d.Spec.Strategy.Type == api.RecreateDeploymentStrategyType {
		return 0, 0
	}
	def := api.FromString("25%")
	s, u := &def, &def
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
		if ru.MaxSurge != nil {
			s = ru.MaxSurge
		}
		if ru.MaxUnavailable != nil {
			u = ru.MaxUnavailable
		}
	}
	sv, err := s.ScaledValue(int(replicas), true)
	if err != nil {
		sv = 0
	}
	uv, err := u.ScaledValue(int(replicas), false)
	if err != nil {
		uv = 0
	}
	if uv > int(replicas) {
		uv = int(replicas)
	}
	if sv == 0 && uv == 0 {
		uv = 1
	}
	return int32(sv), int32(uv)
}

// podsOf counts the pods revisions have or are about to have: the larger
// of target and active pods, so that pods being created or deleted are
// never forgotten.
func podsOf(vs ...*revisionView) int32 {
	var n int32
	for _, v := range vs {
		if v != nil {
			n += max(v.want, v.active)
		}
	}
	return n
}

// kept is how many of the revision's available pods stay once it has
// `want` pods: the ReplicaSet deletes unavailable pods first.
func (v *revisionView) kept() int32 { return min(v.available, v.want) }

// take lowers v.want by up to n, but not below floor; it returns what it
// took.
func (v *revisionView) take(n, floor int32) int32 {
	n = max(0, min(n, v.want-floor))
	v.want -= n
	return n
}

// rollingUpdate moves replicas from old revisions to the current one.
// With M = replicas+maxSurge and A = replicas-maxUnavailable:
//
//  1. if more than M pods are wanted (the Deployment shrank), the excess
//     goes, wanted-but-unavailable pods first, old revisions first;
//  2. the current revision grows while all pods stay within M;
//  3. old revisions shrink, unavailable pods first, while at least A pods
//     stay available;
//  4. no revision grows while the pods that exist or are wanted exceed M
//     (creates are committed before deletes).
func rollingUpdate(cur *revisionView, olds []*revisionView, replicas, surge, unavailable int32) {
	all := append([]*revisionView{cur}, olds...)
	oldFirst := append(slices.Clone(olds), cur)
	maxTotal, minAvailable := replicas+surge, replicas-unavailable

	cur.want = min(cur.want, replicas)
	trimExcess(oldFirst, maxTotal)

	if room := maxTotal - podsOf(all...); room > 0 && cur.want < replicas {
		cur.want += min(room, replicas-cur.want)
	}

	if podsOf(olds...) > 0 {
		maxScaledDown := podsOf(all...) - minAvailable - max(0, cur.want-cur.available)
		for _, v := range olds {
			maxScaledDown -= v.take(maxScaledDown, v.kept())
		}
		var available int32
		for _, v := range all {
			available += v.kept()
		}
		budget := available - minAvailable
		for _, v := range olds {
			budget -= v.take(budget, 0)
		}
	}

	deferGrowth(oldFirst, maxTotal)
}

// trimExcess lowers wanted pods to at most maxTotal: wanted-but-
// unavailable pods first, then the rest, in the order of vs.
func trimExcess(vs []*revisionView, maxTotal int32) {
	var wanted int32
	for _, v := range vs {
		wanted += v.want
	}
	excess := wanted - maxTotal
	for _, v := range vs {
		excess -= v.take(excess, v.kept())
	}
	for _, v := range vs {
		excess -= v.take(excess, 0)
	}
}

// deferGrowth keeps revisions from growing while the pods that exist or
// are wanted exceed maxTotal: they grow on a later pass, once the deletes
// of this one are committed.
func deferGrowth(vs []*revisionView, maxTotal int32) {
	over := podsOf(vs...) - maxTotal
	for _, v := range vs {
		over -= v.take(over, v.active)
	}
}

// recreate stops every old pod, then starts the current revision once no
// old pod is left.
func recreate(cur *revisionView, olds []*revisionView, replicas int32) {
	if podsOf(olds...) > 0 {
		for _, v := range olds {
			v.want = 0
		}
		return
	}
	cur.want = replicas
}

// scalePaused follows replica changes of a paused Deployment. A single
// revision with pods takes the new replicas; with several (a rollout was
// paused half-way) none grows, and they shrink only as far as needed to
// stay within replicas+maxSurge: a paused rollout does not move.
func scalePaused(cur *revisionView, olds []*revisionView, replicas, surge int32) {
	var busy, vs []*revisionView
	for _, v := range append(slices.Clone(olds), cur) {
		if v == nil {
			continue
		}
		vs = append(vs, v)
		if podsOf(v) > 0 {
			busy = append(busy, v)
		}
	}
	switch {
	case len(busy) == 1:
		busy[0].want = replicas
	case len(busy) == 0 && cur != nil:
		cur.want = replicas
	default:
		trimExcess(vs, replicas+surge)
		deferGrowth(vs, replicas+surge)
	}
}

// trimHistory deletes the oldest old revisions beyond
// revisionHistoryLimit that have no pods left and none wanted.
func (p *pass) trimHistory(d *api.Deployment, olds []*revisionView) {
	limit := int(int32Or(d.Spec.RevisionHistoryLimit, api.DefaultRevisionHistoryLimit))
	for i := 0; i < len(olds)-limit; i++ {
		v := olds[i]
		if v.want == 0 && int32Or(v.rs.Spec.Replicas, 1) == 0 && len(p.owned[v.rs.UID]) == 0 {
			p.remove(v.rs)
			v.deleted = true
		}
	}
}
