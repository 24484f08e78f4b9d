package pods

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

func testClaim(name, node string, deleting bool) *api.PersistentVolumeClaim {
	c := &api.PersistentVolumeClaim{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: "u-" + name, Annotations: map[string]string{api.AnnotationVolumeNode: node}},
	}
	if deleting {
		t := time.Unix(100, 0)
		c.DeletionTimestamp = &t
	}
	return c
}

func claimUser(name, claim string, phase api.PodPhase) *api.Pod {
	return &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: "u-" + name},
		Spec: api.PodSpec{
			NodeName:   "n1",
			Containers: []api.Container{{Name: "c", Image: "img"}},
			Volumes:    []api.Volume{{Name: "v", PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: claim}}},
		},
		Status: api.PodStatus{Phase: phase},
	}
}

// TestRemoveDeletedClaims checks which claims' data this node removes:
// only deleted claims bound here that no pod uses.
func TestRemoveDeletedClaims(t *testing.T) {
	tests := []struct {
		name        string
		objs        []api.Object
		strayWorker bool // a worker of a pod the view no longer lists
		wantRemoved []string
	}{
		{"deleted claim here", []api.Object{testClaim("data", "n1", true)}, false, []string{"data"}},
		{"claim not deleted", []api.Object{testClaim("data", "n1", false)}, false, nil},
		{"deleted claim elsewhere", []api.Object{testClaim("data", "n2", true)}, false, nil},
		{"used by a running pod", []api.Object{testClaim("data", "n1", true), claimUser("p", "data", api.PodRunning)}, false, nil},
		{"used by a finished pod", []api.Object{testClaim("data", "n1", true), claimUser("p", "data", api.PodSucceeded)}, false, []string{"data"}},
		{"other claim in use", []api.Object{testClaim("data", "n1", true), claimUser("p", "logs", api.PodRunning)}, false, []string{"data"}},
		{"a force-deleted pod still stopping", []api.Object{testClaim("data", "n1", true)}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			objs := map[string]api.Object{}
			for _, o := range tt.objs {
				k := api.KeyOf(o)
				objs[k.Kind+"/"+k.Namespace+"/"+k.Name] = o
			}
			var removed []string
			m := New(Config{NodeName: "n1", DataDir: dir, Remove: func(_ context.Context, key api.Key, uid string) error {
				if uid != "u-"+key.Name {
					t.Errorf("remove %s with uid %q, want %q", key.Name, uid, "u-"+key.Name)
				}
				removed = append(removed, key.Name)
				return nil
			}}, newFakeRuntime(), newFakeNetwork(), viewOf(objs), nil)
			if tt.strayWorker {
				m.workers["u-gone"] = &worker{uid: "u-gone", key: "default/gone"}
			}
			for _, c := range []string{"data", "logs"} {
				if err := os.MkdirAll(filepath.Join(claimDir(dir, "default", c), "sub"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			m.removeDeletedClaims(context.Background())
			if !slices.Equal(removed, tt.wantRemoved) {
				t.Errorf("removed claims %v, want %v", removed, tt.wantRemoved)
			}
			for _, c := range []string{"data", "logs"} {
				_, err := os.Stat(claimDir(dir, "default", c))
				gone := os.IsNotExist(err)
				if want := slices.Contains(tt.wantRemoved, c); gone != want {
					t.Errorf("data of %s removed = %t, want %t", c, gone, want)
				}
			}
		})
	}
}
