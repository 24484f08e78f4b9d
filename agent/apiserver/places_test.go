package apiserver

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

// TestAdmissionErrorsNameTheDocument checks that every admission refusal
// of a multi-document apply numbers the document as the decoder does
// (1-based among non-empty documents, with the List item), not by the
// object's position in the request, and that a write of one object names
// it by kind and name.
func TestAdmissionErrorsNameTheDocument(t *testing.T) {
	// Document 1 is a ConfigMap after a comment-only document (not
	// counted), document 2 a List of two ConfigMaps: the object under
	// test is the request's 4th object but document 3.
	const prefix = "# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n" +
		"apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n---\n"
	stored := []api.Object{}
	immutable := &api.ConfigMap{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "frozen"},
		Immutable: ptrTo(true), Data: map[string]string{"k": "1"}}
	stored = append(stored, immutable)
	owned := forwardPod("web-abcde", "n1", api.PodRunning, "10.42.0.5")
	owned.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-rs", Controller: ptrTo(true)}}
	stored = append(stored, owned)
	_, cl := testServer(t, stored...)

	tests := []struct {
		name     string
		method   string
		path     string
		body     string
		wantCode int
		want     string
	}{
		{"decoder: unknown field", http.MethodPost, "/v1/apply", prefix + "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\ndatta: {}\n",
			400, `document 3 (ConfigMap "d"): unknown field "datta"`},
		{"namespace does not exist", http.MethodPost, "/v1/apply", prefix + "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d, namespace: nowhere}\n",
			400, `document 3 (ConfigMap "d"): namespace "nowhere" does not exist`},
		{"max replicas", http.MethodPost, "/v1/apply", prefix + strings.Replace(deployment, "replicas: 1", "replicas: 501", 1),
			400, `document 3 (Deployment "web"): spec.replicas: got 501, want at most 500`},
		{"max replicas in a List item", http.MethodPost, "/v1/apply", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n- " +
			`{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, spec: {replicas: 501, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: nginx}]}}}}` + "\n",
			400, `document 2, item 2 (Deployment "web"): spec.replicas: got 501`},
		{"pod security", http.MethodPost, "/v1/apply", prefix + podIn("default", "priv", privilegedContext, ""),
			403, `document 3 (Deployment "priv"): violates PodSecurity "baseline:latest" in namespace "default": privileged`},
		{"service address", http.MethodPost, "/v1/apply", prefix + "apiVersion: v1\nkind: Service\nmetadata: {name: svc}\nspec:\n  clusterIP: 10.99.0.5\n  ports: [{port: 80}]\n",
			400, `document 3 (Service "svc"): spec.clusterIP`},
		{"immutable configmap", http.MethodPost, "/v1/apply", prefix + "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: frozen}\nimmutable: true\ndata: {k: '2'}\n",
			400, `document 3 (ConfigMap "frozen"): data: field is immutable`},
		{"controller's pod", http.MethodPost, "/v1/apply", prefix + "apiVersion: v1\nkind: Pod\nmetadata: {name: web-abcde}\nspec:\n  containers: [{name: a, image: busybox}]\n",
			400, `document 3 (Pod "web-abcde"): managed by ReplicaSet "web-rs": change the ReplicaSet instead`},
		{"one object: kind and name", http.MethodPut, "/v1/deployments/web",
			`{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 501, "selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}}`,
			400, `Deployment "web": spec.replicas: got 501`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := cl.do(tt.method, tt.path, tt.body)
			var e struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("answer %s: %v", body, err)
			}
			if code != tt.wantCode || !strings.Contains(e.Error, tt.want) {
				t.Errorf("got %d %q, want %d with %q", code, e.Error, tt.wantCode, tt.want)
			}
			if objectNumber.MatchString(e.Error) {
				t.Errorf("got %q, which numbers objects, not documents", e.Error)
			}
		})
	}
}

// TestDecodeManifestPlaces checks the places read back from the decoder.
func TestDecodeManifestPlaces(t *testing.T) {
	body := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\n" +
		"apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n- {apiVersion: v1, kind: Secret, metadata: {name: c}}\n"
	objs, at, err := decodeManifest([]byte(body), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`document 1 (ConfigMap "a"): x`, `document 2, item 1 (ConfigMap "b"): x`, `document 2, item 2 (Secret "c"): x`}
	if len(objs) != len(want) || len(at) != len(want) {
		t.Fatalf("got %d objects and %d places, want %d", len(objs), len(at), len(want))
	}
	for i, w := range want {
		if got := at.wrap(i, objs[i], errString("x")).Error(); got != w {
			t.Errorf("object %d: got %q, want %q", i, got, w)
		}
	}
	if _, _, err := decodeManifest([]byte("# nothing\n"), "", nil); err == nil || !strings.Contains(err.Error(), "no objects") {
		t.Errorf("empty manifest: got %v, want no objects", err)
	}
}

// objectNumber finds the old numbering by position in the request.
var objectNumber = regexp.MustCompile(`object \d`)

type errString string

func (e errString) Error() string { return string(e) }

func ptrTo[T any](v T) *T { return &v }
