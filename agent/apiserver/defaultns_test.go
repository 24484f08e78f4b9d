package apiserver

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestDefaultNamespaceIsListed(t *testing.T) {
	_, c := testServer(t)
	if code, body := c.do(http.MethodPost, "/v1/apply", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: alpha\n  labels: {team: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: zeta\n"); code != 200 {
		t.Fatalf("apply: got %d %s, want 200", code, body)
	}
	names := func(path string) string {
		code, body := c.do(http.MethodGet, path, "")
		if code != 200 {
			t.Fatalf("GET %s: got %d %s, want 200", path, code, body)
		}
		var list struct {
			Items []struct {
				Metadata struct{ Name string }
				Status   struct{ Phase string }
			}
		}
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range list.Items {
			if it.Metadata.Name == "default" && it.Status.Phase != "Active" {
				t.Errorf("default namespace phase: got %q, want Active", it.Status.Phase)
			}
			out = append(out, it.Metadata.Name)
		}
		return strings.Join(out, " ")
	}
	tests := []struct {
		name, path, want string
	}{
		{"list shows default in order", "/v1/namespaces", "alpha default zeta"},
		{"selector leaves default out", "/v1/namespaces?selector=team%3Da", "alpha"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := names(tt.path); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("get default", func(t *testing.T) {
		if code, body := c.do(http.MethodGet, "/v1/namespaces/default", ""); code != 200 || !strings.Contains(string(body), `"default"`) {
			t.Errorf("got %d %s, want 200 with the default namespace", code, body)
		}
	})
	t.Run("get missing", func(t *testing.T) {
		if code, _ := c.do(http.MethodGet, "/v1/namespaces/nope", ""); code != 404 {
			t.Errorf("got %d, want 404", code)
		}
	})
}
