package apiserver

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestApplyErrorsInOneRound checks that decode problems and problems found
// against the store (kind, namespace) come back together, each naming its
// document.
func TestApplyErrorsInOneRound(t *testing.T) {
	_, c := testServer(t)
	cm := func(name, extra string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n" + extra
	}
	tests := []struct {
		name  string
		body  string
		want  []string
		never []string
	}{
		{
			name: "field, namespace and kind",
			body: cm("a", "datta: {}\n") + "---\n" + strings.Replace(cm("b", ""), "name: b", "name: b\n  namespace: prod", 1) +
				"---\napiVersion: v1\nkind: Node\nmetadata:\n  name: n9\n",
			want: []string{
				`document 1 (ConfigMap "a"): unknown field "datta"`,
				`document 2 (ConfigMap "b"): namespace "prod" does not exist`,
				`document 3 (Node "n9"): Node objects are managed by the cluster`,
			},
			never: []string{"object "},
		},
		{
			name:  "namespace created in the same file",
			body:  strings.Replace(cm("b", ""), "name: b", "name: b\n  namespace: prod", 1) + "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n---\n" + strings.Replace(cm("c", ""), "name: c", "name: c\n  finalizers: [x]", 1),
			want:  []string{`document 3 (ConfigMap "c"): metadata.finalizers: not supported by Shoal`},
			never: []string{"does not exist"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := c.do(http.MethodPost, "/v1/apply", tt.body)
			var e struct{ Error string }
			_ = json.Unmarshal(body, &e)
			if code != http.StatusBadRequest {
				t.Fatalf("got %d %s, want 400", code, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(e.Error, w) {
					t.Errorf("error does not mention %q; got:\n%s", w, e.Error)
				}
			}
			for _, w := range tt.never {
				if strings.Contains(e.Error, w) {
					t.Errorf("error mentions %q; got:\n%s", w, e.Error)
				}
			}
		})
	}
}
