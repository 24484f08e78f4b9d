package apiserver

import (
	"maps"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func TestKeepClusterAnnotations(t *testing.T) {
	tests := []struct {
		name      string
		cur, dst  map[string]string
		wantAfter map[string]string
	}{
		{
			name:      "cluster annotation kept",
			cur:       map[string]string{api.AnnotationVolumeNodes: `{"data":"n1"}`},
			dst:       nil,
			wantAfter: map[string]string{api.AnnotationVolumeNodes: `{"data":"n1"}`},
		},
		{
			name:      "manifest value wins",
			cur:       map[string]string{api.AnnotationVolumeNodes: "old"},
			dst:       map[string]string{api.AnnotationVolumeNodes: "new"},
			wantAfter: map[string]string{api.AnnotationVolumeNodes: "new"},
		},
		{
			name:      "user annotation removed from the manifest is dropped",
			cur:       map[string]string{api.AnnotationSSLRedirect: "true", "team": "a"},
			dst:       map[string]string{},
			wantAfter: map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := &api.ObjectMeta{Annotations: tt.dst}
			keepClusterAnnotations(dst, &api.ObjectMeta{Annotations: tt.cur})
			if len(dst.Annotations) != len(tt.wantAfter) || !maps.Equal(dst.Annotations, tt.wantAfter) {
				t.Errorf("annotations = %v, want %v", dst.Annotations, tt.wantAfter)
			}
		})
	}
}
