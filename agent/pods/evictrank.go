package pods

import (
	"cmp"
	"fmt"
	"slices"
	"sort"

	"github.com/shoal-dev/shoal/api"
)

// ReasonEvicted is the status reason of a pod the node evicted.
const ReasonEvicted = "Evicted"

// podDisk is what one pod holds on the node's disk, as measured.
type podDisk struct {
	pod *api.Pod
	// volumes is the usage of each disk-backed emptyDir, by volume name.
	volumes map[string]int64
	// logs is the size of its container logs.
	logs int64
}

// used is the pod's local storage usage: disk emptyDirs and logs.
func (d podDisk) used() int64 {
	n := d.logs
	for _, v := range d.volumes {
		n += v
	}
	return n
}

// storageRequest is the sum of the pod's containers' ephemeral-storage
// requests.
func storageRequest(p *api.Pod) int64 {
	var n int64
	for _, c := range p.Spec.Containers {
		if q, ok := c.Resources.Requests[api.ResourceEphemeralStorage]; ok {
			n += q.Value()
		}
	}
	return n
}

// storageLimit is the sum of the pod's containers' ephemeral-storage
// limits, and whether any container has one (kubelet's pod limit).
func storageLimit(p *api.Pod) (int64, bool) {
	var n int64
	var any bool
	for _, c := range p.Spec.Containers {
		if q, ok := c.Resources.Limits[api.ResourceEphemeralStorage]; ok {
			n += q.Value()
			any = true
		}
	}
	return n, any
}

// overLimit says why the pod must be evicted whatever the node's free
// space, as kubelet does: a disk-backed emptyDir above its sizeLimit, or
// the pod's usage above its containers' ephemeral-storage limits; "" if
// neither.
func overLimit(d podDisk) string {
	names := make([]string, 0, len(d.volumes))
	for n := range d.volumes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range d.pod.Spec.Volumes {
			if v.Name != name || v.EmptyDir == nil || v.EmptyDir.SizeLimit == nil || v.EmptyDir.Medium == api.StorageMediumMemory {
				continue
			}
			if used := d.volumes[name]; used > v.EmptyDir.SizeLimit.Value() {
				return fmt.Sprintf("Usage of EmptyDir volume %q exceeds the limit %q (using %s).", name, v.EmptyDir.SizeLimit.String(), bytesText(used))
			}
		}
	}
	if limit, ok := storageLimit(d.pod); ok && d.used() > limit {
		return fmt.Sprintf("Pod ephemeral local storage usage exceeds the total limit of containers %s (using %s).", bytesText(limit), bytesText(d.used()))
	}
	return ""
}

// rankForEviction orders pods for eviction under disk pressure, first to
// go first, as kubelet does: pods using more local storage than they
// requested (every BestEffort pod that uses any) before pods within their
// requests; then by usage above the request, largest first; then by
// namespace and name, so the order is stable.
func rankForEviction(pods []podDisk) []podDisk {
	out := slices.Clone(pods)
	slices.SortStableFunc(out, func(a, b podDisk) int {
		oa, ob := a.used()-storageRequest(a.pod), b.used()-storageRequest(b.pod)
		if ea, eb := oa > 0, ob > 0; ea != eb {
			if ea {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(ob, oa); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.pod.Namespace, b.pod.Namespace), cmp.Compare(a.pod.Name, b.pod.Name))
	})
	return out
}

// pressureMessage is the status message of a pod evicted because the node
// ran short of disk, in kubelet's words.
func pressureMessage(threshold string, available int64, d podDisk) string {
	return fmt.Sprintf("The node was low on resource: ephemeral-storage. Threshold quantity: %s, available: %s. Pod was using %s (emptyDir volumes and logs), request is %s.",
		threshold, bytesText(available), bytesText(d.used()), bytesText(storageRequest(d.pod)))
}

// bytesText writes n bytes as a binary quantity (12Mi, 3Ki, 100).
func bytesText(n int64) string {
	switch {
	case n >= 10<<30:
		return fmt.Sprintf("%dGi", n>>30)
	case n >= 10<<20:
		return fmt.Sprintf("%dMi", n>>20)
	case n >= 10<<10:
		return fmt.Sprintf("%dKi", n>>10)
	}
	return fmt.Sprintf("%d", n)
}
