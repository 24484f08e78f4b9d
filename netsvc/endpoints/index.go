package endpoints

import "github.com/shoal-dev/shoal/api"

// Index finds the pods a selector matches without looking at every pod:
// pods are filed by namespace and label, and a lookup walks the list of
// the selector's rarest label. Build it once for a batch of services
// (netsvc.BuildServices does, per call); it does not follow later pod
// changes.
type Index struct {
	byLabel map[nsLabel][]*api.Pod
}

type nsLabel struct{ namespace, key, value string }

// NewIndex files pods by namespace and label.
func NewIndex(pods []*api.Pod) *Index {
	ix := &Index{byLabel: make(map[nsLabel][]*api.Pod, len(pods))}
	for _, p := range pods {
		for k, v := range p.Labels {
			l := nsLabel{p.Namespace, k, v}
			ix.byLabel[l] = append(ix.byLabel[l], p)
		}
	}
	return ix
}

// Select returns the pods of namespace whose labels include every pair of
// selector, in the order NewIndex got them; an empty selector selects
// nothing (a service without a selector has no endpoints). The result may
// share memory with the index: do not modify it.
func (ix *Index) Select(namespace string, selector map[string]string) []*api.Pod {
	if len(selector) == 0 {
		return nil
	}
	var smallest []*api.Pod
	first := true
	for k, v := range selector {
		l := ix.byLabel[nsLabel{namespace, k, v}]
		if len(l) == 0 {
			return nil
		}
		if first || len(l) < len(smallest) {
			smallest, first = l, false
		}
	}
	if len(selector) == 1 {
		return smallest
	}
	out := make([]*api.Pod, 0, len(smallest))
	for _, p := range smallest {
		if hasAll(p.Labels, selector) {
			out = append(out, p)
		}
	}
	return out
}

func hasAll(labels, selector map[string]string) bool {
	for k, v := range selector {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}
