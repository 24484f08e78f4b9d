package netsvc

import (
	"cmp"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/view"
)

// objKey names a namespaced object.
type objKey struct{ namespace, name string }

// selLabel is one namespace-scoped label pair.
type selLabel struct{ namespace, key, value string }

// model is the Proxy's incremental copy of the data plane model. Watch
// events mark the services they may change as dirty; flush rebuilds just
// those from the view, so one pod turning Ready costs one service's
// rebuild, not the whole cluster's.
type model struct {
	node string
	view view.View

	// services are the services seen, by key and filed under one pair of
	// their selector (the smallest key), to find a pod's services fast.
	services map[objKey]*api.Service
	bySel    map[selLabel]map[objKey]*api.Service
	// podLabels are the labels each pod had when last seen, to find the
	// services a pod leaves when its labels change.
	podLabels map[objKey]map[string]string

	built map[objKey]builtService
	dirty map[objKey]bool
	// all says the next flush reloads everything from the view.
	all bool
	// sorted is the last list handed out (never modified once handed
	// out); changed names the services changed since.
	sorted  []Service
	changed []objKey
}

// builtService is one service as built, with the pods it sends to: UID →
// when the pod's Ready condition last turned True (zero if unknown).
type builtService struct {
	svc  Service
	pods map[string]time.Time
}

func newModel(node string, v view.View) *model {
	return &model{
		node: node, view: v,
		services: map[objKey]*api.Service{}, bySel: map[selLabel]map[objKey]*api.Service{},
		podLabels: map[objKey]map[string]string{},
		built:     map[objKey]builtService{}, dirty: map[objKey]bool{},
		all: true,
	}
}

// apply takes one watch event into account.
func (m *model) apply(ev view.Event) {
	switch o := ev.Object.(type) {
	case *api.Service:
		k := objKey{o.Namespace, o.Name}
		if ev.Type == view.Deleted {
			m.setService(k, nil)
		} else {
			m.setService(k, o)
		}
		m.dirty[k] = true
	case *api.Pod:
		k := objKey{o.Namespace, o.Name}
		old, had := m.podLabels[k]
		if ev.Type == view.Deleted {
			delete(m.podLabels, k)
		} else {
			m.podLabels[k] = o.Labels
		}
		m.markSelecting(o.Namespace, o.Labels)
		if had && !maps.Equal(old, o.Labels) {
			m.markSelecting(o.Namespace, old)
		}
	}
}

// setService files svc under k (nil: forgets k).
func (m *model) setService(k objKey, svc *api.Service) {
	if old := m.services[k]; old != nil {
		if l, ok := selKey(old); ok {
			delete(m.bySel[l], k)
			if len(m.bySel[l]) == 0 {
				delete(m.bySel, l)
			}
		}
		delete(m.services, k)
	}
	if svc == nil {
		return
	}
	m.services[k] = svc
	if l, ok := selKey(svc); ok {
		if m.bySel[l] == nil {
			m.bySel[l] = map[objKey]*api.Service{}
		}
		m.bySel[l][k] = svc
	}
}

// selKey is the selector pair a service is filed under: the smallest key.
func selKey(svc *api.Service) (selLabel, bool) {
	if len(svc.Spec.Selector) == 0 {
		return selLabel{}, false
	}
	k := slices.Min(slices.Collect(maps.Keys(svc.Spec.Selector)))
	return selLabel{svc.Namespace, k, svc.Spec.Selector[k]}, true
}

// markSelecting marks dirty every service of namespace whose selector the
// labels satisfy.
func (m *model) markSelecting(namespace string, labels map[string]string) {
	for k, v := range labels {
		for key, svc := range m.bySel[selLabel{namespace, k, v}] {
			if hasLabels(labels, svc.Spec.Selector) {
				m.dirty[key] = true
			}
		}
	}
}

// hasLabels reports whether labels include every pair of selector.
func hasLabels(labels, selector map[string]string) bool {
	for k, v := range selector {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// reload replaces the services and pod labels with the view's and marks
// everything dirty.
func (m *model) reload() {
	for k := range m.services {
		m.setService(k, nil)
	}
	clear(m.podLabels)
	for _, o := range m.view.List("Service", "", nil) {
		svc := o.(*api.Service)
		m.setService(objKey{svc.Namespace, svc.Name}, svc)
	}
	for _, o := range m.view.List("Pod", "", nil) {
		pod := o.(*api.Pod)
		m.podLabels[objKey{pod.Namespace, pod.Name}] = pod.Labels
	}
	for k := range m.services {
		m.dirty[k] = true
	}
	for k := range m.built {
		m.dirty[k] = true
	}
	m.all = false
}

// flush rebuilds the dirty services from the view. It reports whether the
// model changed, and adds to ready, for every pod that became an endpoint
// of a service here, when its Ready condition last turned True (if known).
func (m *model) flush(ready map[string]time.Time) (changed bool) {
	if m.all {
		m.reload()
	}
	for k := range m.dirty {
		old, had := m.built[k]
		nb, ok := m.buildOne(m.services[k])
		switch {
		case !ok && had:
			delete(m.built, k)
			m.changed = append(m.changed, k)
			changed = true
		case !ok:
		default:
			for uid, since := range nb.pods {
				if _, was := old.pods[uid]; !was {
					ready[uid] = since
				}
			}
			if !had || !reflect.DeepEqual(old.svc, nb.svc) {
				m.changed = append(m.changed, k)
				changed = true
			}
			m.built[k] = nb
		}
	}
	clear(m.dirty)
	return changed
}

// buildOne builds svc (nil: deleted) from the view's pods.
func (m *model) buildOne(svc *api.Service) (builtService, bool) {
	if svc == nil {
		return builtService{}, false
	}
	var pods []*api.Pod
	byUID := map[string]*api.Pod{}
	if len(svc.Spec.Selector) > 0 {
		for _, o := range m.view.List("Pod", svc.Namespace, svc.Spec.Selector) {
			pod := o.(*api.Pod)
			pods = append(pods, pod)
			byUID[pod.UID] = pod
		}
	}
	s, ep, ok := modelService(m.node, svc, pods)
	if !ok {
		return builtService{}, false
	}
	b := builtService{svc: s, pods: map[string]time.Time{}}
	for _, ss := range ep.Subsets {
		for _, a := range ss.Addresses {
			b.pods[a.TargetRef.UID] = readySince(byUID[a.TargetRef.UID])
		}
	}
	return b, true
}

// list returns the whole model, sorted by namespace and name. The caller
// must not modify it. A few changes are spliced into a copy of the last
// list; many (a reload) sort everything again.
func (m *model) list() []Service {
	switch {
	case m.sorted != nil && len(m.changed) == 0:
		return m.sorted
	case m.sorted == nil || len(m.changed) > 64:
		out := make([]Service, 0, len(m.built))
		for _, b := range m.built {
			out = append(out, b.svc)
		}
		slices.SortFunc(out, compareServices)
		m.sorted = out
	default:
		out := slices.Clone(m.sorted)
		for _, k := range m.changed {
			i, found := slices.BinarySearchFunc(out, k, func(s Service, k objKey) int {
				return cmp.Or(strings.Compare(s.Namespace, k.namespace), strings.Compare(s.Name, k.name))
			})
			b, ok := m.built[k]
			switch {
			case ok && found:
				out[i] = b.svc
			case ok:
				out = slices.Insert(out, i, b.svc)
			case found:
				out = slices.Delete(out, i, i+1)
			}
		}
		m.sorted = out
	}
	m.changed = m.changed[:0]
	return m.sorted
}

// readySince is when pod's Ready condition last turned True, or zero.
func readySince(pod *api.Pod) time.Time {
	if pod == nil {
		return time.Time{}
	}
	if c := pod.Status.Condition(api.PodReady); c != nil && c.Status == api.ConditionTrue && c.LastTransitionTime != nil {
		return *c.LastTransitionTime
	}
	return time.Time{}
}
