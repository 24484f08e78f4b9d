package api

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// PodMutableFields names what an apply may change in a stored Pod's spec,
// for messages: as in Kubernetes, a pod's spec is fixed once it exists,
// except the images of its containers (the node then restarts the changed
// containers). Labels and annotations may change too.
const PodMutableFields = "spec.containers[*].image and spec.initContainers[*].image"

// PreparePodUpdate readies in, a Pod about to replace the stored pod
// stored, for the checks of PodUpdateError: a manifest leaves spec.nodeName
// out, and then the pod stays where the scheduler put it.
func PreparePodUpdate(in, stored *Pod) {
	if in.Spec.NodeName == "" {
		in.Spec.NodeName = stored.Spec.NodeName
	}
}

// PodUpdateError returns an error naming every spec field in that differs
// from stored other than the mutable ones (PodMutableFields), or nil.
// Both pods are expected defaulted, and in prepared by PreparePodUpdate.
func PodUpdateError(in, stored *Pod) error {
	changed := podSpecChanges(&stored.Spec, &in.Spec)
	if len(changed) == 0 {
		return nil
	}
	return fmt.Errorf("pod updates may not change %s: only %s may change (delete the pod and apply it again to change the rest)", strings.Join(changed, ", "), PodMutableFields)
}

// podSpecChanges lists the paths of the immutable fields that differ
// between two pod specs: top-level fields, and within containers of the
// same count, each container's fields but its image.
func podSpecChanges(a, b *PodSpec) []string {
	ma, mb := jsonFields(a), jsonFields(b)
	var out []string
	for _, k := range unionKeys(ma, mb) {
		if string(ma[k]) == string(mb[k]) {
			continue
		}
		var ca, cb []Container
		switch k {
		case "containers":
			ca, cb = a.Containers, b.Containers
		case "initContainers":
			ca, cb = a.InitContainers, b.InitContainers
		default:
			out = append(out, "spec."+k)
			continue
		}
		if len(ca) != len(cb) {
			out = append(out, fmt.Sprintf("spec.%s (%d containers, was %d)", k, len(cb), len(ca)))
			continue
		}
		for i := range ca {
			fa, fb := jsonFields(&ca[i]), jsonFields(&cb[i])
			for _, f := range unionKeys(fa, fb) {
				if f != "image" && string(fa[f]) != string(fb[f]) {
					out = append(out, fmt.Sprintf("spec.%s[%d].%s", k, i, f))
				}
			}
		}
	}
	return out
}

// jsonFields returns the JSON of each field of v, a pointer to a struct.
func jsonFields(v any) map[string]json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("api: marshal %T: %v", v, err))
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("api: unmarshal %T: %v", v, err))
	}
	return m
}

// unionKeys returns the keys of a and b, sorted.
func unionKeys(a, b map[string]json.RawMessage) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range []map[string]json.RawMessage{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}
