package api

import (
	"testing"
)

func TestLookupKind(t *testing.T) {
	tests := []struct {
		name string
		want string
	}{
		{"Deployment", "Deployment"}, {"deployments", "Deployment"}, {"deploy", "Deployment"},
		{"sts", "StatefulSet"}, {"ds", "DaemonSet"}, {"svc", "Service"}, {"ing", "Ingress"},
		{"cm", "ConfigMap"}, {"secrets", "Secret"}, {"ns", "Namespace"}, {"no", "Node"}, {"po", "Pod"},
		{"INGRESSES", "Ingress"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, ok := LookupKind(tt.name)
			if !ok || k.Name != tt.want {
				t.Errorf("LookupKind(%q) = %v, %t; want %s", tt.name, k, ok, tt.want)
			}
		})
	}
	if k, ok := LookupKind("podtemplates"); ok {
		t.Errorf("LookupKind(podtemplates) = %s, want not found", k.Name)
	}
}

func TestKindRegistry(t *testing.T) {
	want := map[string]struct {
		apiVersion               string
		namespaced, userWritable bool
	}{
		"Namespace":     {"v1", false, true},
		"Node":          {"v1", false, false},
		"Pod":           {"v1", true, true},
		"Service":       {"v1", true, true},
		"ConfigMap":     {"v1", true, true},
		"Secret":        {"v1", true, true},
		"Deployment":    {"apps/v1", true, true},
		"ReplicaSet":    {"apps/v1", true, false},
		"StatefulSet":   {"apps/v1", true, true},
		"DaemonSet":     {"apps/v1", true, true},
		"Ingress":       {"networking.k8s.io/v1", true, true},
		"IngressClass":  {"networking.k8s.io/v1", false, true},
		"Endpoints":     {"v1", true, false},
		"Event":         {"v1", true, false},
		"ClusterConfig": {"shoal.dev/v1", false, false},
		"ClusterAuth":   {"shoal.dev/v1", false, false},
		"Job":           {"batch/v1", true, true},
		"CronJob":       {"batch/v1", true, true},

		// Disruption budgets and priority (issue 12).
		"PodDisruptionBudget": {"policy/v1", true, true},
		"PriorityClass":       {"scheduling.k8s.io/v1", false, true},
		// Storage and service accounts (issue 12).
		"PersistentVolumeClaim": {"v1", true, true},
		"StorageClass":          {"storage.k8s.io/v1", false, true},
		"ServiceAccount":        {"v1", true, true},
	}
	if got := len(Kinds()); got != len(want) {
		t.Errorf("len(Kinds()) = %d, want %d", got, len(want))
	}
	for _, k := range Kinds() {
		w, ok := want[k.Name]
		if !ok {
			t.Errorf("unexpected kind %s", k.Name)
			continue
		}
		if k.APIVersion != w.apiVersion || k.Namespaced != w.namespaced || k.UserWritable != w.userWritable {
			t.Errorf("%s = {%s namespaced=%t userWritable=%t}, want {%s %t %t}", k.Name, k.APIVersion, k.Namespaced, k.UserWritable, w.apiVersion, w.namespaced, w.userWritable)
		}
		obj, err := New(k.Name)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := kindOfType(obj); !ok || got != k {
			t.Errorf("kindOfType(New(%s)) = %v, want %s", k.Name, got, k.Name)
		}
	}
}

func TestDeepCopyAndSpecEqual(t *testing.T) {
	d := validDeployment()
	Default(d)
	cp := DeepCopy(d)
	firstContainer(cp).Resources.Requests[ResourceCPU] = MustParseQuantity("2")
	if got := firstContainer(d).Resources.Requests[ResourceCPU].String(); got != "250m" {
		t.Errorf("DeepCopy shares maps: original cpu = %s, want 250m", got)
	}
	if SpecEqual(d, cp) {
		t.Errorf("SpecEqual = true after a spec change, want false")
	}
	cp2 := DeepCopy(d)
	cp2.Status.Replicas = 5
	cp2.Labels = map[string]string{"x": "y"}
	if !SpecEqual(d, cp2) {
		t.Errorf("SpecEqual = false after status and metadata changes, want true")
	}
}
