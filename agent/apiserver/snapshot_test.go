package apiserver

import (
	"net/http"
	"strings"
	"testing"
)

// TestSnapshotNeedsAdminToken: the snapshot holds Secrets and token
// hashes, so only the admin token gets it; a server without a
// Snapshotter says so.
func TestSnapshotNeedsAdminToken(t *testing.T) {
	_, c := testServer(t)
	tests := []struct {
		name, token string
		want        int
		says        string
	}{
		{"no token", "", http.StatusUnauthorized, "unauthorized"},
		{"wrong token", "SHOAL-1-00-00", http.StatusUnauthorized, "unauthorized"},
		{"admin token, no snapshotter", c.token, http.StatusNotImplemented, "does not export snapshots"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := *c
			cl.t, cl.token = t, tt.token
			code, body := cl.do(http.MethodGet, "/v1/snapshot", "")
			if code != tt.want || !strings.Contains(string(body), tt.says) {
				t.Fatalf("got %d %s, want %d saying %q", code, body, tt.want, tt.says)
			}
		})
	}
}
