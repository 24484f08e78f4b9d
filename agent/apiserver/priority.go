package apiserver

import (
	"errors"
	"fmt"
	"slices"

	"github.com/shoal-dev/shoal/api"
)

// templatePath is where a workload kind keeps its pod spec.
var templatePath = map[string]string{
	"Pod": "spec", "CronJob": "spec.jobTemplate.spec.template.spec",
}

// admitPriority is Kubernetes' priority admission at apply time: a Pod
// among objs gets spec.priority and spec.preemptionPolicy from the
// PriorityClass it names (or the global default class); a workload's pod
// template must name a class that exists (its pods are filled when the
// leader creates them). Classes applied in the same manifest count, and
// at most one class may be the global default, and a stored class keeps
// its value and preemptionPolicy. Errors name the object, the field and
// the class.
func (s *Server) admitPriority(objs []api.Object, at places) error {
	byName := map[string]*api.PriorityClass{}
	for _, o := range s.cfg.View.List("PriorityClass", "", nil) {
		byName[o.GetObjectMeta().Name] = o.(*api.PriorityClass)
	}
	var errs []error
	for i, o := range objs {
		pc, ok := o.(*api.PriorityClass)
		if !ok {
			continue
		}
		if cur := byName[pc.Name]; cur != nil {
			for _, err := range priorityClassUpdateErrors(cur, pc) {
				errs = append(errs, at.wrap(i, o, err))
			}
		}
		byName[pc.Name] = pc
	}
	var classes []*api.PriorityClass
	var defaults []string
	for name, pc := range byName {
		classes = append(classes, pc)
		if pc.GlobalDefault {
			defaults = append(defaults, name)
		}
	}
	slices.Sort(defaults)
	if len(defaults) > 1 {
		errs = append(errs, fmt.Errorf("PriorityClass: globalDefault: only one class may be the default, got %d (%v)", len(defaults), defaults))
	}
	for i, obj := range objs {
		spec := podSpecOf(obj)
		if spec == nil {
			continue
		}
		key := api.KeyOf(obj)
		path, ok := templatePath[key.Kind]
		if !ok {
			path = "spec.template.spec"
		}
		target := spec
		if key.Kind != "Pod" {
			cp := *spec
			target = &cp
		}
		if err := api.AdmitPodPriority(target, classes); err != nil {
			errs = append(errs, at.wrap(i, obj, fmt.Errorf("%s.%w", path, err)))
		}
	}
	if len(errs) > 0 {
		return badRequest{errors.Join(errs...)}
	}
	return nil
}

// priorityClassUpdateErrors refuses what Kubernetes does not let an
// update of a PriorityClass change: its value and preemptionPolicy
// (pods already carry them).
func priorityClassUpdateErrors(cur, next *api.PriorityClass) []error {
	var errs []error
	if cur.Value != next.Value {
		errs = append(errs, fmt.Errorf("value: may not be changed from %d to %d (delete the class and create it again)", cur.Value, next.Value))
	}
	policy := func(pc *api.PriorityClass) api.PreemptionPolicy {
		if pc.PreemptionPolicy == nil {
			return api.PreemptLowerPriority
		}
		return *pc.PreemptionPolicy
	}
	if a, b := policy(cur), policy(next); a != b {
		errs = append(errs, fmt.Errorf("preemptionPolicy: may not be changed from %s to %s", a, b))
	}
	return errs
}
