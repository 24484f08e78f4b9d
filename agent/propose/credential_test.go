package propose

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// TestForwardCarriesAuthorization: a command proposed under a user's
// Authorization is forwarded with it; any other goes without one, so the
// leader authorizes it by the forwarding node's certificate alone.
func TestForwardCarriesAuthorization(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Authorization"))
		mu.Unlock()
		if err := WriteResult(w, consensus.ApplyResult{}); err != nil {
			t.Errorf("write result: %v", err)
		}
	}))
	t.Cleanup(srv.Close)
	follower := New(Config{
		Raft:    storeRaft{leader: false},
		APIAddr: func(string) (string, bool) { return srv.Listener.Addr().String(), true },
		Client:  srv.Client(),
	})
	cm := &api.ConfigMap{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "c"}}
	tests := []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"user write", WithAuthorization(context.Background(), "Bearer SHOAL-1-abc-def"), "Bearer SHOAL-1-abc-def"},
		{"node write", context.Background(), ""},
		{"empty header is none", WithAuthorization(context.Background(), ""), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			got = nil
			mu.Unlock()
			if _, err := follower.Propose(tt.ctx, consensus.Put{Objects: []api.Object{cm}, Mode: consensus.ModeApply, Time: time.Now()}); err != nil {
				t.Fatalf("propose: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 1 || got[0] != tt.want {
				t.Fatalf("leader saw Authorization %q, want one request with %q", got, tt.want)
			}
		})
	}
}

// TestRefusedNodeWriteIsErrForbidden: a leader's 403 (node restriction)
// reaches the caller as ErrForbidden, with the leader's message, so a
// node can tell a refused write from a failed one.
func TestRefusedNodeWriteIsErrForbidden(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"error":"node n2 may not write event default/x"}`))
	}))
	t.Cleanup(srv.Close)
	follower := New(Config{
		Raft:    storeRaft{leader: false},
		APIAddr: func(string) (string, bool) { return srv.Listener.Addr().String(), true },
		Client:  srv.Client(),
	})
	cm := &api.ConfigMap{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "c"}}
	_, err := follower.Propose(context.Background(), consensus.Put{Objects: []api.Object{cm}, Mode: consensus.ModeApply, Time: time.Now()})
	if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "may not write event") {
		t.Fatalf("got %v, want ErrForbidden with the leader's message", err)
	}
}
