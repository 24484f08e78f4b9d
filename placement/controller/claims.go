package controller

import (
	"slices"

	"github.com/shoal-dev/shoal/api"
)

// Claims (issue 12). A PersistentVolumeClaim is bound where its first pod
// was placed: the scheduler pins its pods (package placement, claims.go)
// and this stage records the binding on the claim — the node in
// api.AnnotationVolumeNode, spec.volumeName pvc-UID, status Bound with the
// requested size — so the pin survives the pods. A claim being deleted
// (metadata.deletionTimestamp) waits while an unfinished pod uses it, as
// Kubernetes' pvc-protection finalizer; then the node holding its data
// removes the directory and the claim. The leader removes the claim itself
// only when no node could: it was never bound, or its node is gone or runs
// no pods.

// syncClaims binds new claims, repairs bindings an apply dropped and
// removes deleted claims no node has to clean up.
func (p *pass) syncClaims() {
	if len(p.claims) == 0 {
		return
	}
	users := p.claimUsers()
	for _, c := range p.claims {
		pods := users[claimKey(c.Namespace, c.Name)]
		if c.DeletionTimestamp != nil {
			if len(pods) > 0 {
				continue
			}
			if n := p.nodes[c.ClaimNode()]; n == nil || !n.RunsPods() {
				p.remove(c)
			}
			continue
		}
		node := c.ClaimNode()
		if node == "" {
			for _, pod := range pods {
				if pod.Spec.NodeName != "" && (node == "" || pod.Spec.NodeName < node) {
					node = pod.Spec.NodeName
				}
			}
		}
		if node == "" {
			if c.Status.Phase != api.ClaimPending {
				cp := api.DeepCopy(c)
				cp.Status = api.PersistentVolumeClaimStatus{Phase: api.ClaimPending}
				p.status(cp)
			}
			continue
		}
		if want := boundClaim(c, node); !api.SameJSON(want, c) {
			p.update(want)
		}
	}
}

// boundClaim returns a copy of c bound to node.
func boundClaim(c *api.PersistentVolumeClaim, node string) *api.PersistentVolumeClaim {
	cp := api.DeepCopy(c)
	cp.Annotations = withLabel(cp.Annotations, api.AnnotationVolumeNode, node)
	cp.Spec.VolumeName = api.ClaimVolumeName(c.UID)
	cp.Status = api.PersistentVolumeClaimStatus{
		Phase:       api.ClaimBound,
		AccessModes: slices.Clone(c.Spec.AccessModes),
	}
	if q, ok := c.Spec.Resources.Requests[api.ResourceStorage]; ok {
		cp.Status.Capacity = api.ResourceList{api.ResourceStorage: q}
	}
	return cp
}

// claimUsers lists, by "namespace/name" of claim, the unfinished pods
// that use it (Terminating ones too: they may still write), StatefulSet
// pods included: their claims are bound where they run, as the set's
// own pin says.
func (p *pass) claimUsers() map[string][]*api.Pod {
	out := map[string][]*api.Pod{}
	for _, pod := range p.pods {
		if !pod.UsesClaims() {
			continue
		}
		for _, name := range pod.Spec.ClaimNames() {
			k := claimKey(pod.Namespace, name)
			out[k] = append(out[k], pod)
		}
	}
	return out
}

// claimKey is "namespace/name".
func claimKey(ns, name string) string { return ns + "/" + name }
