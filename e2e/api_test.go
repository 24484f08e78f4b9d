package e2e

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/pki"
)

func TestAPIRejectsBadRequests(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 1)
	a := c.Agents[0]
	tok, err := pki.ParseToken(c.AdminToken())
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: pki.PinnedClientConfig(tok.CAHash)}}
	base := "https://" + a.APIAddr()
	tests := []struct {
		name     string
		method   string
		path     string
		auth     string
		body     []byte
		wantCode int
		wantMsg  string
	}{
		{"no token", "GET", "/v1/configmaps", "", nil, 401, "unauthorized"},
		{"wrong token", "GET", "/v1/configmaps", "Bearer " + tok.String()[:len(tok.String())-4] + "0000", nil, 401, "wrong token"},
		{"garbage token", "GET", "/v1/configmaps", "Bearer nope", nil, 401, "wrong token"},
		{"healthz needs none", "GET", "/healthz", "", nil, 200, "ok"},
		{"metrics need the token", "GET", "/metrics", "", nil, 401, "unauthorized"},
		{"metrics", "GET", "/metrics", "Bearer " + tok.String(), nil, 200, "shoal_raft_leader"},
		{"malformed yaml", "POST", "/v1/apply", "Bearer " + tok.String(), []byte("kind: [unclosed"), 400, "document 1"},
		{"unknown field", "POST", "/v1/apply", "Bearer " + tok.String(),
			[]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndatta: {}\n"), 400, "datta"},
		{"cluster-managed kind", "POST", "/v1/apply", "Bearer " + tok.String(),
			[]byte("apiVersion: v1\nkind: Node\nmetadata:\n  name: fake\n"), 400, "managed by the cluster"},
		{"missing namespace", "POST", "/v1/apply", "Bearer " + tok.String(),
			[]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: nope\n"), 400, "does not exist"},
		{"too big", "POST", "/v1/apply", "Bearer " + tok.String(), bytes.Repeat([]byte("#"), 9<<20), 413, "over"},
		{"unknown resource", "GET", "/v1/widgets", "Bearer " + tok.String(), nil, 404, "unknown resource"},
		{"missing object", "GET", "/v1/configmaps/absent", "Bearer " + tok.String(), nil, 404, "not found"},
		{"internal needs a node certificate", "POST", "/internal/v1/apply", "Bearer " + tok.String(), []byte{1}, 403, "agent certificate"},
		{"join with wrong secret", "POST", "/v1/join", "", []byte(`{"name":"x","secret":"nope","csr":"","addr":"127.0.0.1"}`), 403, "wrong token"},
		{"join garbage", "POST", "/v1/join", "", []byte(`{{{`), 400, "join request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != nil {
				body = bytes.NewReader(tt.body)
			}
			req, err := http.NewRequest(tt.method, base+tt.path, body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			res, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.wantCode || !strings.Contains(string(b), tt.wantMsg) {
				t.Fatalf("got %d %q, want %d containing %q", res.StatusCode, truncate(string(b), 300), tt.wantCode, tt.wantMsg)
			}
		})
	}
	// Nothing was applied by any of it.
	out, _, err := a.CLI("get", "configmaps", "-A", "-o", "name")
	if err != nil || strings.TrimSpace(out) != "" {
		t.Fatalf("got configmaps %q (err %v), want none", out, err)
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
