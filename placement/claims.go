package placement

import (
	"fmt"
	"slices"

	"github.com/shoal-dev/shoal/api"
)

// Claims: a PersistentVolumeClaim is a directory on one node. A claim is
// bound where its first pod is placed (WaitForFirstConsumer), and every
// later pod of the claim must go to that node, as a StatefulSet pod must go
// back to the node of its volumes (api.AnnotationVolumeNode). The claims
// stage turns a pod's claims into that same pin, so both kinds of volume
// share the pinned class; a pod whose claim cannot be used gets a reason
// naming the claim and is not placed.

// claimInfo is what placement knows about one claim.
type claimInfo struct {
	// node is where its data lives: the claim's own record, else the node
	// of a pod that uses it (the binding may not be committed yet), else
	// the node a pod of this batch was placed on; "" while unbound.
	node string
	// deleting is set once the claim is being deleted: no new pod may
	// use it.
	deleting bool
	// class is its storage class.
	class string
	// oncePod is set for ReadWriteOncePod claims; users counts the
	// unfinished pods on nodes that use it.
	oncePod bool
	users   int
}

// claimKey is "namespace/name".
func claimKey(ns, name string) string { return ns + "/" + name }

// indexClaims indexes the snapshot's claims and completes their nodes
// from the bound pods that use them (the smallest node name wins, so any
// order of the snapshot gives the same result).
func (s *state) indexClaims(snap *Snapshot) {
	s.claims = make(map[string]*claimInfo, len(snap.Claims))
	for _, c := range snap.Claims {
		if c == nil {
			continue
		}
		ci := &claimInfo{node: c.ClaimNode(), deleting: c.DeletionTimestamp != nil, oncePod: slices.Contains(c.Spec.AccessModes, api.ReadWriteOncePod)}
		if c.Spec.StorageClassName != nil {
			ci.class = *c.Spec.StorageClassName
		}
		s.claims[claimKey(c.Namespace, c.Name)] = ci
	}
	s.classNames = make(map[string]bool, len(snap.StorageClasses)+1)
	s.classNames[api.StorageClassLocalPath] = true
	for _, name := range snap.StorageClasses {
		s.classNames[name] = true
	}
	learned := map[*claimInfo]string{}
	for _, p := range snap.Pods {
		if p == nil || p.Spec.NodeName == "" || finished(p) {
			continue
		}
		for _, name := range p.Spec.ClaimNames() {
			ci := s.claims[claimKey(p.Namespace, name)]
			if ci == nil || p.StatefulSetClaim(name) {
				continue
			}
			ci.users++
			if ci.node == "" {
				if n, ok := learned[ci]; !ok || p.Spec.NodeName < n {
					learned[ci] = p.Spec.NodeName
				}
			}
		}
	}
	for ci, n := range learned {
		ci.node = n
	}
}

// claimPin returns the node pod's volumes pin it to ("" for none), or why
// it cannot be placed at all: a claim that does not exist, is being
// deleted, names a class that does not exist, is ReadWriteOncePod and used
// by another pod, or claims bound to different nodes.
func (s *state) claimPin(pod *api.Pod) (pin, why string) {
	if n, ok := pod.Annotations[api.AnnotationVolumeNode]; ok {
		return n, ""
	}
	var pinnedBy string
	for _, name := range pod.Spec.ClaimNames() {
		if pod.StatefulSetClaim(name) {
			continue
		}
		ci := s.claims[claimKey(pod.Namespace, name)]
		switch {
		case ci == nil:
			return "", fmt.Sprintf("persistentvolumeclaim %q not found", name)
		case ci.deleting:
			return "", fmt.Sprintf("persistentvolumeclaim %q is being deleted", name)
		case !s.classNames[ci.class]:
			return "", fmt.Sprintf("persistentvolumeclaim %q: storageclass %q not found", name, ci.class)
		case ci.oncePod && ci.users > 0:
			return "", fmt.Sprintf("persistentvolumeclaim %q is ReadWriteOncePod and another pod uses it", name)
		case ci.node == "":
		case pin == "":
			pin, pinnedBy = ci.node, name
		case pin != ci.node:
			return "", fmt.Sprintf("persistentvolumeclaims %q and %q are bound to different nodes (%s and %s)", pinnedBy, name, pin, ci.node)
		}
	}
	return pin, ""
}

// claimProblem is why pod cannot be placed at all because of its claims,
// or "" (see claimPin).
func (s *state) claimProblem(pod *api.Pod) string {
	_, why := s.claimPin(pod)
	return why
}

// volumePin is the node pod's volumes pin it to ("" for none), for a pod
// without a claim problem.
func (s *state) volumePin(pod *api.Pod) string {
	pin, _ := s.claimPin(pod)
	return pin
}

// claimPlaced records that pod was placed on node: its unbound claims are
// now bound there for the rest of the batch.
func (s *state) claimPlaced(pod *api.Pod, node string) {
	for _, name := range pod.Spec.ClaimNames() {
		if ci := s.claims[claimKey(pod.Namespace, name)]; ci != nil && !pod.StatefulSetClaim(name) {
			ci.users++
			if ci.node == "" {
				ci.node = node
			}
		}
	}
}
