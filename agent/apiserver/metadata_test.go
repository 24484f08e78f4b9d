package apiserver

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func TestPatchMetadata(t *testing.T) {
	_, c := testServer(t)
	if code, body := c.do(http.MethodPost, "/v1/apply", configMap); code != 200 {
		t.Fatalf("apply: got %d %s, want 200", code, body)
	}
	tests := []struct {
		name      string
		path      string
		body      string
		code      int
		errPart   string
		wantLabel map[string]string
	}{
		{"set", "/v1/configmaps/settings/metadata", `{"labels": {"tier": "front"}}`, 200, "", map[string]string{"tier": "front"}},
		{"change without overwrite", "/v1/configmaps/settings/metadata", `{"labels": {"tier": "back"}}`, 400, `label "tier" is already "front"`, map[string]string{"tier": "front"}},
		{"change with overwrite", "/v1/configmaps/settings/metadata", `{"labels": {"tier": "back"}, "overwrite": true}`, 200, "", map[string]string{"tier": "back"}},
		{"remove", "/v1/configmaps/settings/metadata", `{"labels": {"tier": null}}`, 200, "", nil},
		{"unknown field", "/v1/configmaps/settings/metadata", `{"lables": {}}`, 400, "unknown field", nil},
		{"missing object", "/v1/configmaps/nope/metadata", `{"labels": {"a": "b"}}`, 404, "not found", nil},
		{"computed kind", "/v1/endpoints/settings/metadata", `{"labels": {"a": "b"}}`, 400, "computed", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := c.do(http.MethodPost, tt.path, tt.body)
			var e struct{ Error string }
			_ = json.Unmarshal(body, &e)
			if code != tt.code || !strings.Contains(e.Error, tt.errPart) {
				t.Fatalf("got %d %q, want %d with %q", code, e.Error, tt.code, tt.errPart)
			}
			_, got := c.do(http.MethodGet, "/v1/configmaps/settings", "")
			var cm api.ConfigMap
			if err := json.Unmarshal(got, &cm); err != nil {
				t.Fatal(err)
			}
			if len(cm.Labels) != len(tt.wantLabel) || cm.Labels["tier"] != tt.wantLabel["tier"] {
				t.Errorf("labels after: got %v, want %v", cm.Labels, tt.wantLabel)
			}
			if cm.Data["a"] != "1" {
				t.Errorf("data after: got %v, want a=1 untouched", cm.Data)
			}
		})
	}
}
