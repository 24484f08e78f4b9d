package api

import "slices"

func init() {
	register(&Kind{
		Name: "PersistentVolumeClaim", APIVersion: "v1", Plural: "persistentvolumeclaims",
		Aliases: []string{"persistentvolumeclaim", "pvc"}, Namespaced: true, UserWritable: true,
		New: func() Object { return &PersistentVolumeClaim{} },
	})
}

// Standalone PersistentVolumeClaims (issue 12). A claim is a directory on
// one node, made when the first pod using it is placed (the class's
// WaitForFirstConsumer binding): the leader then records the node in
// AnnotationVolumeNode, sets spec.volumeName to ClaimVolumeName and the
// status to Bound, and every later pod of the claim is placed on that
// node. The data outlives its pods; it is removed by that node when the
// claim is deleted (reclaim policy Delete), which waits while a pod uses
// the claim (as Kubernetes' kubernetes.io/pvc-protection finalizer does).

// PersistentVolumeClaimPhase is where a claim is in its life.
type PersistentVolumeClaimPhase string

// Claim phases.
const (
	// ClaimPending claims wait for their first pod to be placed.
	ClaimPending PersistentVolumeClaimPhase = "Pending"
	// ClaimBound claims have a directory on a node.
	ClaimBound PersistentVolumeClaimPhase = "Bound"
)

// PersistentVolumeClaimStatus is where a claim is bound.
type PersistentVolumeClaimStatus struct {
	// Phase is Pending until the first pod using the claim is placed,
	// then Bound.
	Phase PersistentVolumeClaimPhase `json:"phase,omitempty"`
	// AccessModes are the bound volume's access modes (the claim's).
	AccessModes []PersistentVolumeAccessMode `json:"accessModes,omitempty"`
	// Capacity is the bound volume's size, {"storage": ...}: the size the
	// claim requested, recorded but not enforced.
	Capacity ResourceList `json:"capacity,omitempty"`
}

// ClaimVolumeName is the spec.volumeName of a bound claim with this uid,
// pvc-UID as local-path-provisioner names them.
func ClaimVolumeName(uid string) string { return "pvc-" + uid }

// ClaimNode is the node the claim's data lives on ("" while unbound).
func (c *PersistentVolumeClaim) ClaimNode() string { return c.Annotations[AnnotationVolumeNode] }

// ClaimNames lists the claims a pod spec's volumes name, in volume order,
// each once.
func (s *PodSpec) ClaimNames() []string {
	var out []string
	for _, v := range s.Volumes {
		if v.PersistentVolumeClaim != nil && !slices.Contains(out, v.PersistentVolumeClaim.ClaimName) {
			out = append(out, v.PersistentVolumeClaim.ClaimName)
		}
	}
	return out
}

// UsesClaims reports whether a pod still holds its claims: it is not
// finished (Succeeded or Failed). A Terminating pod holds them until it
// is gone.
func (p *Pod) UsesClaims() bool {
	return p.Status.Phase != PodSucceeded && p.Status.Phase != PodFailed
}

// StatefulSetClaim reports whether claim is one of the claims a StatefulSet
// pod gets from its set's volumeClaimTemplates; those are pinned by the
// set (AnnotationVolumeNodes), not by a PersistentVolumeClaim object.
func (p *Pod) StatefulSetClaim(claim string) bool {
	if _, ok := p.Annotations[AnnotationVolumeNode]; ok {
		return true
	}
	for _, r := range p.OwnerReferences {
		if r.Kind == "StatefulSet" {
			for _, v := range p.Spec.Volumes {
				if s := v.PersistentVolumeClaim; s != nil && s.ClaimName == claim && s.ClaimName == v.Name+"-"+p.Name {
					return true
				}
			}
		}
	}
	return false
}
