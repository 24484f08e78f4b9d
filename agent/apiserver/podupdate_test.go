package apiserver

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// barePod is a pod manifest named NAME, image IMAGE, with extra container
// fields EXTRA (indented YAML lines).
func barePod(name, image, extra string) string {
	return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + "}\nspec:\n  containers:\n  - name: app\n    image: " + image + "\n" + extra
}

// TestBarePodWrites applies bare pods and updates to them: created
// unbound, re-applied unchanged while bound, only images may change, pods
// of controllers and Terminating pods are refused, and Pod Security applies.
func TestBarePodWrites(t *testing.T) {
	yes := true
	gone := time.Now().Add(time.Minute).UTC().Truncate(time.Second)
	bound := &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: "bound", Namespace: "default"},
		Spec:       api.PodSpec{NodeName: "n1", Containers: []api.Container{{Name: "app", Image: "busybox:1"}}},
	}
	api.Default(bound)
	owned := api.DeepCopy(bound)
	owned.Name = "web-abcde"
	owned.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web", UID: "u1", Controller: &yes}}
	dying := api.DeepCopy(bound)
	dying.Name = "dying"
	dying.DeletionTimestamp = &gone
	st, c := testServer(t, bound, owned, dying)

	steps := []struct {
		name         string
		method, path string
		body         string
		code         int
		want         string // action, or a substring of the error
	}{
		{"create", http.MethodPost, "/v1/apply", barePod("fresh", "busybox:1", ""), 200, "created"},
		{"image change of an unbound pod", http.MethodPost, "/v1/apply", barePod("fresh", "busybox:3", ""), 200, "configured"},
		{"re-apply of a bound pod", http.MethodPost, "/v1/apply", barePod("bound", "busybox:1", ""), 200, "unchanged"},
		{"image change", http.MethodPost, "/v1/apply", barePod("bound", "busybox:2", ""), 200, "configured"},
		{"command change", http.MethodPost, "/v1/apply", barePod("bound", "busybox:2", "    command: [sleep, '9']\n"), 400,
			`document 1 (Pod \"bound\"): pod updates may not change spec.containers[0].command: only spec.containers[*].image and spec.initContainers[*].image may change`},
		{"other node", http.MethodPost, "/v1/apply", barePod("bound", "busybox:2", "  nodeName: n2\n"), 400, "may not change spec.nodeName"},
		{"controller's pod", http.MethodPost, "/v1/apply", barePod("web-abcde", "busybox:1", ""), 400, `document 1 (Pod \"web-abcde\"): managed by ReplicaSet \"web\": change the ReplicaSet instead`},
		{"terminating pod", http.MethodPost, "/v1/apply", barePod("dying", "busybox:1", ""), 400, `document 1 (Pod \"dying\"): terminating`},
		{"pod security", http.MethodPost, "/v1/apply", barePod("root", "busybox:1", "    securityContext: {privileged: true}\n"), 403, "privileged"},
		{"put", http.MethodPut, "/v1/pods/put1", `{"metadata":{"name":"put1"},"spec":{"containers":[{"name":"a","image":"busybox:1"}]}}`, 200, "created"},
		{"delete", http.MethodDelete, "/v1/pods/fresh", "", 200, "deleted"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			code, body := c.do(s.method, s.path, s.body)
			if code != s.code {
				t.Fatalf("status: got %d, want %d (body %s)", code, s.code, body)
			}
			if !strings.Contains(string(body), s.want) {
				t.Fatalf("got %s, want it to contain %q", body, s.want)
			}
		})
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"bound pod keeps its node", storedPod(t, st, "bound").Spec.NodeName, "n1"},
		{"bound pod has the new image", storedPod(t, st, "bound").Spec.Containers[0].Image, "busybox:2"},
		{"created pod is unbound", storedPod(t, st, "put1").Spec.NodeName, ""},
		{"controller's pod untouched", len(storedPod(t, st, "web-abcde").OwnerReferences), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	if _, ok := st.Get("Pod", "default", "fresh"); ok {
		t.Errorf("unbound pod fresh still stored after delete, want it gone at once")
	}
}

func storedPod(t *testing.T, st interface {
	Get(kind, ns, name string) (api.Object, bool)
}, name string) *api.Pod {
	t.Helper()
	o, ok := st.Get("Pod", "default", name)
	if !ok {
		t.Fatalf("pod %s not stored", name)
	}
	return o.(*api.Pod)
}
