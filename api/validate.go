package api

import (
	"fmt"
	"reflect"
	"sort"
)

// maxAnnotationsSize caps the total size of an object's annotations.
const maxAnnotationsSize = 256 * 1024

// Validate checks obj and returns every problem found as an ErrorList, each
// with the path of the offending field, or nil. It expects a defaulted
// object (see Default) and never panics, whatever obj holds.
func Validate(obj Object) error {
	if v := reflect.ValueOf(obj); obj == nil || v.Kind() == reflect.Pointer && v.IsNil() {
		return ErrorList{{Detail: "no object"}}
	}
	var e errs
	k, ok := kindOfType(obj)
	if !ok {
		return ErrorList{{Detail: fmt.Sprintf("unsupported type %T", obj)}}
	}
	tm := obj.GetTypeMeta()
	if tm.Kind != k.Name {
		e.add("kind", "got %s, want %q", quote(tm.Kind), k.Name)
	}
	if tm.APIVersion != k.APIVersion {
		e.add("apiVersion", "got %s, want %q for kind %s", quote(tm.APIVersion), k.APIVersion, k.Name)
	}
	nameCheck := dnsSubdomainError
	switch o := obj.(type) {
	case *Namespace:
		nameCheck = dnsLabelError
		validateNamespaceLabels(&e, o)
	case *Node:
		validateNode(&e, o)
	case *Pod:
		validatePodSpec(&e, "spec", &o.Spec, podSpecOptions{})
		validatePodStatus(&e, "status", &o.Status)
	case *Service:
		nameCheck = dns1035LabelError
		validateService(&e, o)
	case *ConfigMap:
		validateConfigMap(&e, o)
	case *Secret:
		validateSecret(&e, o)
	case *Deployment:
		nameCheck = deploymentNameError
		validateDeployment(&e, o)
	case *ReplicaSet:
		validateReplicas(&e, "spec.replicas", o.Spec.Replicas)
		validateSelector(&e, "spec.selector", o.Spec.Selector, o.Spec.Template.Labels)
		validatePodTemplate(&e, "spec.template", &o.Spec.Template, podSpecOptions{workload: true})
	case *StatefulSet:
		nameCheck = statefulSetNameError
		validateStatefulSet(&e, o)
	case *DaemonSet:
		validateDaemonSet(&e, o)
	case *Job:
		validateJob(&e, o)
	case *CronJob:
		validateCronJob(&e, o)
	case *PodDisruptionBudget:
		validatePodDisruptionBudget(&e, o)
	case *PriorityClass:
		validatePriorityClass(&e, o)
	case *Ingress:
		validateIngress(&e, o)
	case *IngressClass:
		validateIngressClass(&e, o)
	case *ClusterConfig:
		validateClusterConfig(&e, o)
	case *ClusterAuth:
		validateClusterAuth(&e, o)
	case *PersistentVolumeClaim:
		validateClaim(&e, o)
	case *StorageClass:
		validateStorageClass(&e, o)
	}
	validateObjectMeta(&e, "metadata", obj.GetObjectMeta(), k, nameCheck)
	return e.list.orNil()
}

// validateObjectMeta checks the metadata of a top-level object.
func validateObjectMeta(e *errs, path string, m *ObjectMeta, k *Kind, nameCheck func(string) string) {
	if m.Name == "" {
		e.required(child(path, "name"))
	} else {
		e.check(child(path, "name"), m.Name, nameCheck(m.Name))
	}
	switch {
	case !k.Namespaced && m.Namespace != "":
		e.add(child(path, "namespace"), "must be empty: %s is not namespaced", k.Name)
	case k.Namespaced && m.Namespace == "":
		e.required(child(path, "namespace"))
	case k.Namespaced:
		e.check(child(path, "namespace"), m.Namespace, dnsLabelError(m.Namespace))
	}
	if m.Generation < 0 {
		e.add(child(path, "generation"), "must be at least 0, got %d", m.Generation)
	}
	validateLabels(e, child(path, "labels"), m.Labels)
	validateAnnotations(e, child(path, "annotations"), m.Annotations)
	for i, r := range m.OwnerReferences {
		p := index(child(path, "ownerReferences"), i)
		for _, f := range []struct{ name, v string }{{"apiVersion", r.APIVersion}, {"kind", r.Kind}, {"name", r.Name}, {"uid", r.UID}} {
			if f.v == "" {
				e.required(child(p, f.name))
			}
		}
	}
}

// validateLabels checks label keys and values (also node selectors and
// service selectors).
func validateLabels(e *errs, path string, labels map[string]string) {
	for _, k := range sortedKeys(labels) {
		if msg := qualifiedNameError(k); msg != "" {
			e.add(path, "invalid key %s: %s", quote(k), msg)
		}
		e.check(key(path, k), labels[k], labelValueError(labels[k]))
	}
}

func validateAnnotations(e *errs, path string, annotations map[string]string) {
	size := 0
	for _, k := range sortedKeys(annotations) {
		if msg := qualifiedNameError(k); msg != "" {
			e.add(path, "invalid key %s: %s", quote(k), msg)
		}
		size += len(k) + len(annotations[k])
	}
	if size > maxAnnotationsSize {
		e.add(path, "too large: %d bytes, at most %d", size, maxAnnotationsSize)
	}
}

// sortedKeys returns m's keys in order, so errors come out in a stable order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
