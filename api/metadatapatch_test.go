package api

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMetadataPatch(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		name      string
		labels    map[string]string
		patch     MetadataPatch
		want      map[string]string
		wantAnnot map[string]string
		wantErr   string
	}{
		{"add", nil, MetadataPatch{Labels: map[string]*string{"tier": s("front")}}, map[string]string{"tier": "front"}, nil, ""},
		{"same value needs no overwrite", map[string]string{"tier": "front"}, MetadataPatch{Labels: map[string]*string{"tier": s("front")}}, map[string]string{"tier": "front"}, nil, ""},
		{"change needs overwrite", map[string]string{"tier": "front"}, MetadataPatch{Labels: map[string]*string{"tier": s("back")}}, nil, nil, `label "tier" is already "front": pass --overwrite`},
		{"change with overwrite", map[string]string{"tier": "front"}, MetadataPatch{Labels: map[string]*string{"tier": s("back")}, Overwrite: true}, map[string]string{"tier": "back"}, nil, ""},
		{"remove", map[string]string{"tier": "front", "app": "web"}, MetadataPatch{Labels: map[string]*string{"tier": nil}}, map[string]string{"app": "web"}, nil, ""},
		{"remove last", map[string]string{"tier": "front"}, MetadataPatch{Labels: map[string]*string{"tier": nil}}, nil, nil, ""},
		{"remove missing", nil, MetadataPatch{Labels: map[string]*string{"tier": nil}}, nil, nil, ""},
		{"invalid label value", nil, MetadataPatch{Labels: map[string]*string{"tier": s("not valid!")}}, nil, nil, "tier"},
		{"annotation", nil, MetadataPatch{Annotations: map[string]*string{"note": s("any text: ok!")}}, nil, map[string]string{"note": "any text: ok!"}, ""},
		{"cluster annotation", nil, MetadataPatch{Annotations: map[string]*string{"shoal.dev/volume-node": s("n1")}}, nil, nil, `annotation "shoal.dev/volume-node": the cluster sets it`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &ObjectMeta{Labels: tt.labels}
			err := tt.patch.Apply(m)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				if diff := cmp.Diff(tt.labels, m.Labels); diff != "" {
					t.Errorf("labels changed on error (-before +after):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, m.Labels); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantAnnot, m.Annotations); diff != "" {
				t.Errorf("annotations (-want +got):\n%s", diff)
			}
		})
	}
}
