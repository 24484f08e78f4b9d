package controller

import (
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

// subdomain is a valid DNS subdomain of exactly n characters: labels of 63
// joined by dots.
func subdomain(n int) string {
	var b strings.Builder
	for b.Len() < n {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strings.Repeat("a", min(63, n-b.Len())))
	}
	s := b.String()
	if strings.HasSuffix(s, ".") { // a label of 0 would end the name
		s = s[:n-2] + "bb"
	}
	return s
}

// relabel gives a workload a short app label, as a long name does not fit
// a label value.
func relabel(sel *api.LabelSelector, t *api.PodTemplateSpec) {
	sel.MatchLabels = map[string]string{"app": "long"}
	t.Labels = map[string]string{"app": "long"}
}

// TestDerivedNamesOfMaximalNames runs each workload kind with the longest
// name validation allows and checks that every object its controller
// derives (ReplicaSets, pods, claims) passes validation.
func TestDerivedNamesOfMaximalNames(t *testing.T) {
	tests := []struct {
		name string
		obj  func() api.Object
	}{
		{"Deployment of 242 characters", func() api.Object {
			d := newDeployment(subdomain(api.MaxDeploymentNameLength), 3, "v1")
			relabel(d.Spec.Selector, &d.Spec.Template)
			return d
		}},
		{"StatefulSet of 52 characters", func() api.Object {
			s := newStatefulSet(strings.Repeat("s", api.MaxStatefulSetNameLength), 12, "v1", true)
			relabel(s.Spec.Selector, &s.Spec.Template)
			s.Spec.ServiceName = "svc"
			return s
		}},
		{"DaemonSet of 253 characters", func() api.Object {
			d := newDaemonSet(subdomain(api.MaxDNSSubdomainLength), "v1", nil)
			relabel(d.Spec.Selector, &d.Spec.Template)
			return d
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obj := tc.obj()
			if err := api.Validate(obj); err != nil {
				t.Fatalf("the workload itself: got %v, want valid", err)
			}
			h := newHarness(t).withNodes(2)
			h.put(obj)
			h.settle()
			derived := 0
			for _, k := range h.keys() {
				o := h.get(k)
				if k.Kind == "Node" || k == api.KeyOf(obj) {
					continue
				}
				derived++
				if err := api.Validate(o); err != nil {
					t.Errorf("%s (name of %d characters): got %v, want valid", k, len(k.Name), err)
				}
			}
			if derived == 0 {
				t.Fatalf("got no derived objects, want ReplicaSets or pods")
			}
		})
	}
}
