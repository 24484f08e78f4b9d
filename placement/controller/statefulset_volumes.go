package controller

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"

	"github.com/shoal-dev/shoal/api"
)

// Volumes from volumeClaimTemplates are local to the node their first pod
// ran on and outlive the pod (and scale-down), so a pod recreated under an
// identity must go back to that node: api.AnnotationVolumeNodes and
// api.AnnotationVolumeNode pin them.

// claimName is the claim of template t for ordinal ord of set:
// TEMPLATE-SET-ORDINAL, as in Kubernetes.
func claimName(t, set string, ord int) string {
	return t + "-" + set + "-" + strconv.Itoa(ord)
}

// volumeNodesOf returns the claim→node map of ss, completed from its pods
// (a pod's own volume-node annotation, else the node it is bound to), and
// whether that added anything to the stored annotation. Existing entries
// are never changed: the first node keeps the data. Rebuilding from pods
// also repairs an annotation that a user's apply dropped.
func volumeNodesOf(ss *api.StatefulSet, byOrd map[int]*api.Pod, ords []int) (map[string]string, bool) {
	if len(ss.Spec.VolumeClaimTemplates) == 0 {
		return nil, false
	}
	stored := ss.Annotations[api.AnnotationVolumeNodes]
	m := map[string]string{}
	if stored != "" {
		if err := json.Unmarshal([]byte(stored), &m); err != nil {
			m = map[string]string{}
		}
	}
	for _, ord := range ords {
		pod := byOrd[ord]
		node := pod.Annotations[api.AnnotationVolumeNode]
		if node == "" {
			node = pod.Spec.NodeName
		}
		if node == "" {
			continue
		}
		for _, ct := range ss.Spec.VolumeClaimTemplates {
			if c := claimName(ct.Name, ss.Name, ord); m[c] == "" {
				m[c] = node
			}
		}
	}
	if len(m) == 0 {
		return m, false
	}
	return m, encodeVolumeNodes(m) != stored
}

// encodeVolumeNodes writes the map as JSON (keys sorted).
func encodeVolumeNodes(m map[string]string) string {
	b, _ := json.Marshal(m)
	return string(b)
}

// createStatefulClaims creates the PersistentVolumeClaim objects of
// ordinal ord's templates that do not exist (issue 12), as the Kubernetes
// StatefulSet controller does, so `get pvc` lists them and deleting one
// deletes its data (see claims.go). They have no owner: they outlive the
// set, as with the default retention policy (Retain). The set's own
// annotation still pins its pods; a claim of a known volume node is made
// bound to it. A template Shoal cannot make a claim of (ReadWriteMany)
// gets no object and keeps working through the set's pin alone.
func (p *pass) createStatefulClaims(ss *api.StatefulSet, ord int, volumeNodes map[string]string) {
	for i := range ss.Spec.VolumeClaimTemplates {
		ct := &ss.Spec.VolumeClaimTemplates[i]
		name := claimName(ct.Name, ss.Name, ord)
		if p.claimExists(ss.Namespace, name) {
			continue
		}
		c := &api.PersistentVolumeClaim{
			TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
			ObjectMeta: api.ObjectMeta{Name: name, Namespace: ss.Namespace, Labels: maps.Clone(ct.Labels)},
			Spec: api.PersistentVolumeClaimSpec{
				AccessModes: slices.Clone(ct.Spec.AccessModes),
				Resources:   api.VolumeResourceRequirements{Requests: maps.Clone(ct.Spec.Resources.Requests)},
			},
		}
		if sc := ct.Spec.StorageClassName; sc != nil {
			class := *sc
			c.Spec.StorageClassName = &class
		}
		if ss.Spec.Selector != nil && len(ss.Spec.Selector.MatchLabels) > 0 {
			if c.Labels == nil {
				c.Labels = map[string]string{}
			}
			maps.Copy(c.Labels, ss.Spec.Selector.MatchLabels)
		}
		if n := volumeNodes[name]; n != "" {
			c.Annotations = map[string]string{api.AnnotationVolumeNode: n}
		}
		api.Default(c)
		if api.Validate(c) != nil {
			continue
		}
		p.create(c)
	}
}

// claimExists reports whether a claim of that name exists (or is created
// in this pass).
func (p *pass) claimExists(ns, name string) bool {
	if p.claimSet == nil {
		p.claimSet = make(map[string]bool, len(p.claims))
		for _, c := range p.claims {
			p.claimSet[claimKey(c.Namespace, c.Name)] = true
		}
	}
	if p.claimSet[claimKey(ns, name)] {
		return true
	}
	_, created := p.creates[api.Key{Kind: "PersistentVolumeClaim", Namespace: ns, Name: name}]
	return created
}
