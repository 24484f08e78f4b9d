package apiserver

import (
	"net/http"
	"strings"
	"testing"
)

// TestImmutableConfigRefusesChanges applies an immutable ConfigMap and
// Secret, then changes to them: data changes and turning immutable off
// are refused, new labels are not, and deleting still works.
func TestImmutableConfigRefusesChanges(t *testing.T) {
	_, c := testServer(t)
	cm := func(immutable, value, labels string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg" + labels + "}\nimmutable: " + immutable + "\ndata: {a: " + value + "}\n"
	}
	secret := "apiVersion: v1\nkind: Secret\nmetadata: {name: sec}\nimmutable: true\nstringData: {pw: %s}\n"
	steps := []struct {
		name         string
		method, path string
		body         string
		code         int
		want         string
	}{
		{"create", http.MethodPost, "/v1/apply", cm("true", "'1'", "") + "---\n" + strings.Replace(secret, "%s", "one", 1), 200, "created"},
		{"same again", http.MethodPost, "/v1/apply", cm("true", "'1'", ""), 200, "unchanged"},
		{"new label", http.MethodPost, "/v1/apply", cm("true", "'1'", ", labels: {x: z}"), 200, "configured"},
		{"data change", http.MethodPost, "/v1/apply", cm("true", "'2'", ""), 400, `document 1 (ConfigMap \"cfg\"): data: field is immutable when`},
		{"immutable off", http.MethodPost, "/v1/apply", cm("false", "'1'", ""), 400, `document 1 (ConfigMap \"cfg\"): immutable: field is immutable when`},
		{"secret data change through stringData", http.MethodPost, "/v1/apply", strings.Replace(secret, "%s", "two", 1), 400, `document 1 (Secret \"sec\"): data: field is immutable when`},
		{"delete", http.MethodDelete, "/v1/configmaps/cfg", "", 200, "deleted"},
		{"re-create with other data", http.MethodPost, "/v1/apply", cm("true", "'2'", ""), 200, "created"},
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
}
