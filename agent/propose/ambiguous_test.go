package propose

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// A forwarded write is sent again only when it cannot have reached the
// leader; once the leader may hold it, its outcome is reported unknown
// and it is not retried, so a write is never applied twice.
func TestForwardRetriesOnlyWhatCannotHaveBeenApplied(t *testing.T) {
	put := consensus.Put{Mode: consensus.ModeApply, Time: time.Now(), Objects: []api.Object{&api.ConfigMap{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "once"},
	}}}
	tests := []struct {
		name         string
		handler      func(w http.ResponseWriter, r *http.Request)
		wantErr      error
		wantRequests int64 // how many reached the leader
	}{
		{
			name: "connection dropped after the request was read",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = ReadCommand(r.Body)
				panic(http.ErrAbortHandler) // the leader dies before answering
			},
			wantErr: consensus.ErrOutcomeUnknown, wantRequests: 1,
		},
		{
			name: "leadership lost after the write entered the log",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, `{"error":"leadership lost"}`, http.StatusGatewayTimeout)
			},
			wantErr: consensus.ErrOutcomeUnknown, wantRequests: 1,
		},
		{
			name: "leader refused it as no longer leader",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, `{"error":"not the raft leader"}`, http.StatusMisdirectedRequest)
			},
			wantErr: ErrNoLeader, wantRequests: 2, // retried until the (short) deadline
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var requests atomic.Int64
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				tt.handler(w, r)
			}))
			t.Cleanup(srv.Close)
			srv.Config.ErrorLog = nil
			p := New(Config{
				Raft:    storeRaft{leader: false},
				APIAddr: func(string) (string, bool) { return srv.Listener.Addr().String(), true },
				Client:  srv.Client(),
			})
			ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
			defer cancel()
			_, err := p.Propose(ctx, put)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			}
			if got := requests.Load(); tt.wantRequests == 1 && got != 1 || got < tt.wantRequests {
				t.Errorf("got %d requests at the leader, want %d", got, tt.wantRequests)
			}
		})
	}
}

func TestNotSent(t *testing.T) {
	// A port nothing listens on: the dial fails, nothing was sent.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	_, dialErr := http.Get("http://" + addr + "/")
	if !notSent(dialErr) {
		t.Errorf("notSent(%v) = false, want true", dialErr)
	}
	if notSent(errors.New("read: connection reset by peer")) {
		t.Error("notSent(reset) = true, want false")
	}
}
