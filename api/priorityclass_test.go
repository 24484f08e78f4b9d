package api

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const priorityClassManifest = `apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
globalDefault: false
description: "for the front end"
preemptionPolicy: Never
`

const priorityPodManifest = `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  priorityClassName: high
  containers:
  - {name: c, image: busybox}
`

func TestDecodePriorityClass(t *testing.T) {
	pc, ok := decodeOne(t, priorityClassManifest).(*PriorityClass)
	if !ok {
		t.Fatalf("got %T, want *PriorityClass", decodeOne(t, priorityClassManifest))
	}
	never := PreemptNever
	want := &PriorityClass{
		TypeMeta:   TypeMeta{APIVersion: "scheduling.k8s.io/v1", Kind: "PriorityClass"},
		ObjectMeta: ObjectMeta{Name: "high"}, Value: 1000, Description: "for the front end", PreemptionPolicy: &never,
	}
	if diff := cmp.Diff(want, pc); diff != "" {
		t.Errorf("PriorityClass (-want +got):\n%s", diff)
	}
	pod := decodeOne(t, strings.Replace(priorityPodManifest, "  containers:", "  priority: 1000\n  preemptionPolicy: PreemptLowerPriority\n  containers:", 1)).(*Pod)
	if pod.Spec.PriorityClassName != "high" || pod.Spec.Priority == nil || *pod.Spec.Priority != 1000 || pod.Spec.PreemptionPolicy == nil || *pod.Spec.PreemptionPolicy != PreemptLowerPriority {
		t.Errorf("got pod priority fields %q %v %v, want high 1000 PreemptLowerPriority", pod.Spec.PriorityClassName, pod.Spec.Priority, pod.Spec.PreemptionPolicy)
	}
}

func TestValidatePriority(t *testing.T) {
	tests := []struct {
		name     string
		manifest string
		old, new string // replace old by new in the manifest
		want     string // "" means valid
	}{
		{"valid class", priorityClassManifest, "", "", ""},
		{"global default", priorityClassManifest, "globalDefault: false", "globalDefault: true", ""},
		{"negative value", priorityClassManifest, "value: 1000", "value: -5", ""},
		{"highest user value", priorityClassManifest, "value: 1000", "value: 1000000000", ""},
		{"value too high", priorityClassManifest, "value: 1000", "value: 1000000001", "value: must be at most 1000000000, got 1000000001"},
		{"reserved name", priorityClassManifest, "name: high", "name: system-mine", `metadata.name: names starting with "system-" are reserved`},
		{"unknown class policy", priorityClassManifest, "preemptionPolicy: Never", "preemptionPolicy: Sometimes", `preemptionPolicy: unknown policy "Sometimes" (want PreemptLowerPriority or Never)`},
		{"value typo", priorityClassManifest, "value: 1000", "valeu: 1000", "valeu"},
		{"spec refused", priorityClassManifest, "value: 1000", "spec: {value: 1000}", "spec"},
		{"valid pod", priorityPodManifest, "", "", ""},
		{"bad class name", priorityPodManifest, "priorityClassName: high", "priorityClassName: High_1", `spec.priorityClassName: invalid value "High_1"`},
		{"unknown pod policy", priorityPodManifest, "priorityClassName: high", "preemptionPolicy: Always", `spec.preemptionPolicy: unknown policy "Always"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.manifest
			if tt.old != "" {
				if !strings.Contains(m, tt.old) {
					t.Fatalf("manifest has no %q", tt.old)
				}
				m = strings.Replace(m, tt.old, tt.new, 1)
			}
			_, err := Decode([]byte(m))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got error %v, want none", err)
			case tt.want != "" && err == nil:
				t.Errorf("got no error, want one containing %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestAdmitPodPriority(t *testing.T) {
	never, lower := PreemptNever, PreemptLowerPriority
	high := &PriorityClass{ObjectMeta: ObjectMeta{Name: "high"}, Value: 1000, PreemptionPolicy: &never}
	def := &PriorityClass{ObjectMeta: ObjectMeta{Name: "default"}, Value: 10, GlobalDefault: true}
	tests := []struct {
		name    string
		spec    PodSpec
		classes []*PriorityClass
		// want is the class name, priority and policy filled in.
		wantName   string
		wantValue  *int32
		wantPolicy *PreemptionPolicy
		err        string
	}{
		{"named class", PodSpec{PriorityClassName: "high"}, []*PriorityClass{high}, "high", ptr(int32(1000)), &never, ""},
		{"built-in class", PodSpec{PriorityClassName: SystemNodeCritical}, nil, SystemNodeCritical, ptr(int32(SystemCriticalPriority + 1000)), &lower, ""},
		{"global default", PodSpec{}, []*PriorityClass{high, def}, "default", ptr(int32(10)), &lower, ""},
		{"no class, no default", PodSpec{}, []*PriorityClass{high}, "", nil, nil, ""},
		{"unknown class", PodSpec{PriorityClassName: "gold"}, []*PriorityClass{high}, "", nil, nil, `priorityClassName: no PriorityClass named "gold"`},
		{"matching priority", PodSpec{PriorityClassName: "high", Priority: ptr(int32(1000))}, []*PriorityClass{high}, "high", ptr(int32(1000)), &never, ""},
		{"other priority", PodSpec{PriorityClassName: "high", Priority: ptr(int32(5))}, []*PriorityClass{high}, "", nil, nil, "priority: 5 must not be set in the pod spec; the PriorityClass gives 1000"},
		{"other policy", PodSpec{PriorityClassName: "high", PreemptionPolicy: &lower}, []*PriorityClass{high}, "", nil, nil, `preemptionPolicy: "PreemptLowerPriority" must not be set in the pod spec; the PriorityClass gives "Never"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.spec
			err := AdmitPodPriority(&s, tt.classes)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if s.PriorityClassName != tt.wantName || !cmp.Equal(s.Priority, tt.wantValue) || !cmp.Equal(s.PreemptionPolicy, tt.wantPolicy) {
				t.Errorf("got %q %v %v, want %q %v %v", s.PriorityClassName, s.Priority, s.PreemptionPolicy, tt.wantName, tt.wantValue, tt.wantPolicy)
			}
		})
	}
}
