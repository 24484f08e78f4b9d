package controller

import (
	"encoding/json"
	"strconv"

	"github.com/shoal-dev/shoal/api"
)

// Annotations that pin StatefulSet volumes to nodes. Volumes from
// volumeClaimTemplates are local to the node their first pod ran on and
// outlive the pod (and scale-down), so a pod recreated under an identity
// must go back to that node.
const (
	// AnnotationVolumeNodes on a StatefulSet holds the JSON object
	// {"CLAIM": "NODE", ...}: where each claim's volume lives. Entries are
	// added when a pod is first bound and never removed while the set
	// exists.
	AnnotationVolumeNodes = "shoal.dev/volume-nodes"
	// AnnotationVolumeNode on a pod names the node its volumes live on;
	// the scheduler must bind the pod there or nowhere (it stays Pending
	// while that node is down).
	AnnotationVolumeNode = "shoal.dev/volume-node"
)

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
	stored := ss.Annotations[AnnotationVolumeNodes]
	m := map[string]string{}
	if stored != "" {
		if err := json.Unmarshal([]byte(stored), &m); err != nil {
			m = map[string]string{}
		}
	}
	for _, ord := range ords {
		pod := byOrd[ord]
		node := pod.Annotations[AnnotationVolumeNode]
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
