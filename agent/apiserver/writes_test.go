package apiserver

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
`

// TestWritesAnswerKeysAndVersions checks that every write answers with
// the key, the action and the resourceVersion written, never the object,
// and that replicas past the limit are refused by both apply and scale.
func TestWritesAnswerKeysAndVersions(t *testing.T) {
	st, c := testServer(t)
	steps := []struct {
		name         string
		method, path string
		body         string
		code         int
		want         string // "Kind/name=action" or an error substring
	}{
		{"apply", http.MethodPost, "/v1/apply", deployment, 200, "Deployment/web=created"},
		{"apply too many replicas", http.MethodPost, "/v1/apply", strings.Replace(deployment, "replicas: 1", "replicas: 100000000", 1), 400, "spec.replicas: must be at most 10000, got 100000000"},
		{"scale", http.MethodPost, "/v1/deployments/web/scale?replicas=3", "", 200, "Deployment/web=scaled"},
		{"scale too many replicas", http.MethodPost, "/v1/deployments/web/scale?replicas=2147483647", "", 400, "want a whole number from 0 to 10000"},
		{"rollout restart", http.MethodPost, "/v1/deployments/web/rollout/restart", "", 200, "Deployment/web=restarted"},
		{"put", http.MethodPut, "/v1/configmaps/settings", `{"metadata":{"name":"settings"},"data":{"a":"1"}}`, 200, "ConfigMap/settings=created"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			code, body := c.do(s.method, s.path, s.body)
			if code != s.code {
				t.Fatalf("status: got %d, want %d (body %s)", code, s.code, body)
			}
			if code != 200 {
				if !strings.Contains(string(body), s.want) {
					t.Fatalf("got %s, want an error containing %q", body, s.want)
				}
				return
			}
			var rep map[string]json.RawMessage
			if err := json.Unmarshal(body, &rep); err != nil {
				t.Fatalf("decode %s: %v", body, err)
			}
			if len(rep) != 1 || rep["items"] == nil {
				t.Fatalf("got fields %s, want only items", body)
			}
			var items []api.AppliedObject
			if err := json.Unmarshal(rep["items"], &items); err != nil {
				t.Fatal(err)
			}
			if len(items) != 1 || items[0].Kind+"/"+items[0].Name+"="+items[0].Action != s.want {
				t.Fatalf("got %s, want one item %s", body, s.want)
			}
			cur, ok := st.Get(items[0].Kind, "default", items[0].Name)
			if !ok {
				t.Fatalf("%s not stored", s.want)
			}
			if rv := cur.GetObjectMeta().ResourceVersion; items[0].ResourceVersion != rv {
				t.Errorf("got resourceVersion %q, want %q (the stored one)", items[0].ResourceVersion, rv)
			}
		})
	}
	d, _ := st.Get("Deployment", "default", "web")
	if got := *d.(*api.Deployment).Spec.Replicas; got != 3 {
		t.Errorf("got %d replicas stored, want 3", got)
	}
}
