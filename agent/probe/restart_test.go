package probe

import (
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func TestShouldRestart(t *testing.T) {
	tests := []struct {
		policy api.RestartPolicy
		exit   int32
		want   bool
	}{
		{api.RestartAlways, 0, true},
		{api.RestartAlways, 1, true},
		{"", 0, true},
		{api.RestartOnFailure, 0, false},
		{api.RestartOnFailure, 137, true},
		{api.RestartOnFailure, -1, true},
		{api.RestartNever, 0, false},
		{api.RestartNever, 1, false},
		{"Sometimes", 1, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy)+"/"+api.FromInt32(tt.exit).String(), func(t *testing.T) {
			if got := ShouldRestart(tt.policy, tt.exit); got != tt.want {
				t.Errorf("ShouldRestart(%q, %d): got %v, want %v", tt.policy, tt.exit, got, tt.want)
			}
		})
	}
}
