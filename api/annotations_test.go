package api

import "testing"

func TestIsClusterAnnotation(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{AnnotationVolumeNodes, true},
		{AnnotationVolumeNode, true},
		{"shoal.dev/anything-new", true},
		{AnnotationSSLRedirect, false},
		{AnnotationRevision, false},
		{"example.com/owner", false},
		{"shoal.dev", false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := IsClusterAnnotation(tt.key); got != tt.want {
				t.Errorf("IsClusterAnnotation(%q) = %t, want %t", tt.key, got, tt.want)
			}
		})
	}
}
