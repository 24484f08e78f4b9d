package apiserver

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

const configMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: "1"
`

// actions reads an apply or delete report as "Kind/name=action".
func actions(t *testing.T, body []byte) string {
	t.Helper()
	var rep struct{ Items []api.AppliedObject }
	if err := json.Unmarshal(body, &rep); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	var out []string
	for _, ao := range rep.Items {
		out = append(out, ao.Kind+"/"+ao.Name+"="+ao.Action)
	}
	return strings.Join(out, " ")
}

func TestApplyGetDelete(t *testing.T) {
	st, c := testServer(t)
	steps := []struct {
		name         string
		method, path string
		body         string
		code         int
		want         string
	}{
		{"apply creates", http.MethodPost, "/v1/apply", configMap, 200, "ConfigMap/settings=created"},
		{"apply again changes nothing", http.MethodPost, "/v1/apply", configMap, 200, "ConfigMap/settings=unchanged"},
		{"apply a change configures", http.MethodPost, "/v1/apply", strings.Replace(configMap, `"1"`, `"2"`, 1), 200, "ConfigMap/settings=configured"},
		{"delete removes", http.MethodDelete, "/v1/configmaps/settings", "", 200, "ConfigMap/settings=deleted"},
		{"delete -f of a missing object reports it", http.MethodPost, "/v1/delete", configMap, 200, "ConfigMap/settings=not found"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			code, body := c.do(s.method, s.path, s.body)
			if code != s.code {
				t.Fatalf("status: got %d, want %d (body %s)", code, s.code, body)
			}
			if got := actions(t, body); got != s.want {
				t.Errorf("got %q, want %q", got, s.want)
			}
		})
	}
	if _, ok := st.Get("ConfigMap", "default", "settings"); ok {
		t.Errorf("the store still holds the deleted config map")
	}
}

func TestGetReadsTheStore(t *testing.T) {
	_, c := testServer(t)
	if code, body := c.do(http.MethodPost, "/v1/apply", configMap); code != 200 {
		t.Fatalf("apply: got %d %s, want 200", code, body)
	}
	code, body := c.do(http.MethodGet, "/v1/configmaps/settings", "")
	if code != 200 {
		t.Fatalf("get: got %d %s, want 200", code, body)
	}
	var cm api.ConfigMap
	if err := json.Unmarshal(body, &cm); err != nil {
		t.Fatal(err)
	}
	if cm.Data["a"] != "1" || cm.ResourceVersion == "" {
		t.Errorf("got data %v at resourceVersion %q, want a=1 at a stored version", cm.Data, cm.ResourceVersion)
	}
}

func TestRequestErrors(t *testing.T) {
	_, c := testServer(t)
	tests := []struct {
		name         string
		token        string
		method, path string
		body         string
		code         int
		errPart      string
	}{
		{"no token", "-", http.MethodGet, "/v1/pods", "", 401, "send the admin token"},
		{"wrong token", "SHOAL-1-" + strings.Repeat("ab", 32) + "-0123456789abcdef0123", http.MethodGet, "/v1/pods", "", 401, "wrong token"},
		{"internal needs a certificate", "", http.MethodPost, "/internal/v1/apply", "{}", 403, "agent certificate required"},
		{"unknown resource", "", http.MethodGet, "/v1/widgets", "", 404, `unknown resource "widgets"`},
		{"missing namespace", "", http.MethodPost, "/v1/apply", strings.Replace(configMap, "name: settings", "name: settings\n  namespace: prod", 1), 400, `namespace "prod" does not exist`},
		{"cluster-managed kind", "", http.MethodPost, "/v1/apply", "apiVersion: v1\nkind: Node\nmetadata:\n  name: n9\n", 400, "managed by the cluster"},
		{"bad grace period", "", http.MethodDelete, "/v1/pods/p?gracePeriodSeconds=-5", "", 400, "gracePeriodSeconds"},
		{"grace period past a duration", "", http.MethodDelete, "/v1/pods/p?gracePeriodSeconds=10000000000", "", 400, "gracePeriodSeconds"},
		{"no such endpoint", "", http.MethodGet, "/v2/x", "", 404, "no such endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cc := *c
			switch tt.token {
			case "":
			case "-":
				cc.token = ""
			default:
				cc.token = tt.token
			}
			code, body := cc.do(tt.method, tt.path, tt.body)
			var e struct{ Error string }
			_ = json.Unmarshal(body, &e)
			if code != tt.code || !strings.Contains(e.Error, tt.errPart) {
				t.Errorf("got %d %q, want %d with %q", code, e.Error, tt.code, tt.errPart)
			}
		})
	}
}
