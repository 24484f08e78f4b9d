package api

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const pdbManifest = `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 2
  selector:
    matchLabels: {app: web}
`

func TestDecodePodDisruptionBudgetFields(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     PodDisruptionBudgetSpec
	}{
		{"minAvailable count", "", "", PodDisruptionBudgetSpec{MinAvailable: ptr(FromInt32(2)), Selector: SelectorFromMap(map[string]string{"app": "web"})}},
		{"minAvailable percent", "minAvailable: 2", `minAvailable: "50%"`, PodDisruptionBudgetSpec{MinAvailable: ptr(FromString("50%")), Selector: SelectorFromMap(map[string]string{"app": "web"})}},
		{"maxUnavailable count", "minAvailable: 2", "maxUnavailable: 1", PodDisruptionBudgetSpec{MaxUnavailable: ptr(FromInt32(1)), Selector: SelectorFromMap(map[string]string{"app": "web"})}},
		{"maxUnavailable percent", "minAvailable: 2", `maxUnavailable: "25%"`, PodDisruptionBudgetSpec{MaxUnavailable: ptr(FromString("25%")), Selector: SelectorFromMap(map[string]string{"app": "web"})}},
		{"no selector", "  selector:\n    matchLabels: {app: web}\n", "", PodDisruptionBudgetSpec{MinAvailable: ptr(FromInt32(2))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := strings.Replace(pdbManifest, tt.old, tt.new, 1)
			b, ok := decodeOne(t, m).(*PodDisruptionBudget)
			if !ok {
				t.Fatalf("got %T, want *PodDisruptionBudget", decodeOne(t, m))
			}
			if diff := cmp.Diff(tt.want, b.Spec); diff != "" {
				t.Errorf("spec (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidatePodDisruptionBudget(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // replace old by new in the manifest
		want     string // "" means valid
	}{
		{"valid", "", "", ""},
		{"zero minAvailable", "minAvailable: 2", "minAvailable: 0", ""},
		{"100 percent", "minAvailable: 2", `minAvailable: "100%"`, ""},
		{"both set", "minAvailable: 2", "minAvailable: 2\n  maxUnavailable: 1", "spec: minAvailable and maxUnavailable cannot both be set"},
		{"negative minAvailable", "minAvailable: 2", "minAvailable: -1", "spec.minAvailable: must be at least 0, got -1"},
		{"negative maxUnavailable", "minAvailable: 2", "maxUnavailable: -3", "spec.maxUnavailable: must be at least 0, got -3"},
		{"percent over 100", "minAvailable: 2", `minAvailable: "150%"`, `spec.minAvailable: invalid value "150%": must be at most 100%`},
		{"not a percent", "minAvailable: 2", `maxUnavailable: "half"`, `spec.maxUnavailable: invalid value "half": must be an integer or a percentage`},
		{"bad selector operator", "matchLabels: {app: web}", "matchExpressions: [{key: app, operator: Near}]", `spec.selector.matchExpressions[0].operator: unknown operator "Near"`},
		{"unhealthyPodEvictionPolicy refused", "minAvailable: 2", "minAvailable: 2\n  unhealthyPodEvictionPolicy: AlwaysAllow", "spec.unhealthyPodEvictionPolicy: not supported by Shoal"},
		{"typo", "minAvailable: 2", "minAvailble: 2", "spec.minAvailble"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := pdbManifest
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
