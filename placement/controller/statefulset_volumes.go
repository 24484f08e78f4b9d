package controller

import (
	"encoding/json"
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
