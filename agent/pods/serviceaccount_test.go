package pods

import (
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func TestServiceAccountNote(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name string
		spec api.PodSpec
		want string // "" for no note, else a part of it
	}{
		{"default account, nothing asked", api.PodSpec{}, ""},
		{"default account, automount false", api.PodSpec{AutomountServiceAccountToken: &no}, ""},
		{"default account, automount true", api.PodSpec{AutomountServiceAccountToken: &yes}, `service account "default"; no token is mounted`},
		{"named account", api.PodSpec{ServiceAccountName: "builder"}, `service account "builder"; no token is mounted`},
		{"deprecated spelling", api.PodSpec{DeprecatedServiceAccount: "old"}, `service account "old"`},
		{"named account, automount false", api.PodSpec{ServiceAccountName: "builder", AutomountServiceAccountToken: &no}, ""},
		{"named account, automount true", api.PodSpec{ServiceAccountName: "builder", AutomountServiceAccountToken: &yes}, "Shoal has no Kubernetes API for pods"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := serviceAccountNote(&tt.spec)
			switch {
			case tt.want == "" && got != "":
				t.Errorf("got %q, want no note", got)
			case tt.want != "" && !strings.Contains(got, tt.want):
				t.Errorf("got %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

func TestServiceAccountFieldRef(t *testing.T) {
	tests := []struct {
		name string
		spec api.PodSpec
		want string
	}{
		{"default", api.PodSpec{}, "default"},
		{"named", api.PodSpec{ServiceAccountName: "builder"}, "builder"},
		{"deprecated spelling", api.PodSpec{DeprecatedServiceAccount: "old"}, "old"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fieldValue(&api.Pod{Spec: tt.spec}, "spec.serviceAccountName", "", "")
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
