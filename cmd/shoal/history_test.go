package main

import (
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func TestRolloutHistory(t *testing.T) {
	dep := &api.Deployment{ObjectMeta: api.ObjectMeta{Name: "web", UID: "d1"}}
	rs := func(name, rev, owner, uid, cause, image string) api.Object {
		r := &api.ReplicaSet{ObjectMeta: api.ObjectMeta{Name: name, Annotations: map[string]string{}}}
		if rev != "" {
			r.Annotations[api.AnnotationRevision] = rev
		}
		if cause != "" {
			r.Annotations[annotationChangeCause] = cause
		}
		if owner != "" {
			r.OwnerReferences = []api.OwnerReference{{Kind: "Deployment", Name: owner, UID: uid}}
		}
		r.Spec.Template.Labels = map[string]string{"app": "web"}
		r.Spec.Template.Spec.Containers = []api.Container{{Name: "web", Image: image}}
		return r
	}
	rss := []api.Object{
		rs("web-b", "2", "web", "d1", "image 1.28", "nginx:1.28"),
		rs("web-a", "1", "web", "d1", "", "nginx:1.27"),
		rs("api-a", "1", "api", "d2", "", "api:1"),       // another deployment's
		rs("web-old", "1", "web", "d0", "", "nginx:1.0"), // a deleted namesake's
		rs("web-x", "", "web", "d1", "", "nginx:1.27"),   // no revision
		rs("loose", "3", "", "", "", "nginx:1.27"),       // no owner
	}
	tests := []struct {
		name    string
		rev     int64
		want    []string
		wantErr string
	}{
		{"list", 0, []string{"deployment/web\n", "REVISION  CHANGE-CAUSE\n1         <none>\n2         image 1.28\n"}, ""},
		{"one revision", 2, []string{"deployment/web with revision #2\n", "Pod Template:", "Labels:", "app=web", "Image:", "nginx:1.28"}, ""},
		{"missing revision", 7, nil, "deployment/web has no revision 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			err := printHistory(&b, "web", revisionsOf(dep, rss), tt.rev)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("output does not contain %q; got:\n%s", w, b.String())
				}
			}
		})
	}
}
