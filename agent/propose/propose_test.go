package propose

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// storeRaft applies commands to a real Store through its FSM, as a
// one-voter Raft would; leader says whether this node leads.
type storeRaft struct {
	leader bool
	mu     *sync.Mutex
	fsm    *consensus.FSM
	index  *uint64
}

func (r storeRaft) IsLeader() bool            { return r.leader }
func (r storeRaft) Leader() (id, addr string) { return "leader", "" }
func (r storeRaft) Apply(_ context.Context, cmd []byte) (consensus.ApplyResult, error) {
	if !r.leader {
		return consensus.ApplyResult{}, consensus.ErrNotLeader
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	*r.index++
	res, ok := r.fsm.Apply(&raft.Log{Index: *r.index, Term: 1, Type: raft.LogCommand, Data: cmd}).(consensus.ApplyResult)
	if !ok {
		return consensus.ApplyResult{}, errors.New("fsm returned no ApplyResult")
	}
	return res, nil
}

// forwardingPair is a leader serving /internal/v1/apply over TLS the way
// the API server does (ReadCommand, ApplyLocal, WriteResult) and a
// follower that forwards to it. requests counts what reached the leader.
type forwardingPair struct {
	store    *consensus.Store
	leader   *Proposer
	follower *Proposer
	server   *httptest.Server
	requests atomic.Int64
}

func newForwardingPair(t *testing.T) *forwardingPair {
	st := consensus.NewStore()
	var mu sync.Mutex
	var index uint64
	fsm := consensus.NewFSM(st, nil)
	fp := &forwardingPair{store: st}
	fp.leader = New(Config{Raft: storeRaft{leader: true, mu: &mu, fsm: fsm, index: &index}})
	fp.server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fp.requests.Add(1)
		cmd, err := ReadCommand(r.Body)
		if err != nil {
			http.Error(w, `{"error":"too large"}`, http.StatusRequestEntityTooLarge)
			return
		}
		res, err := fp.leader.ApplyLocal(r.Context(), cmd)
		if err != nil {
			http.Error(w, `{"error":"apply"}`, http.StatusServiceUnavailable)
			return
		}
		if err := WriteResult(w, res); err != nil {
			t.Errorf("write result: %v", err)
		}
	}))
	t.Cleanup(fp.server.Close)
	fp.follower = New(Config{
		Raft:    storeRaft{leader: false},
		APIAddr: func(string) (string, bool) { return fp.server.Listener.Addr().String(), true },
		Client:  fp.server.Client(),
	})
	return fp
}

// bigConfigMaps are n ConfigMaps of about 1000 KiB each.
func bigConfigMaps(n int) []api.Object {
	var objs []api.Object
	for i := range n {
		objs = append(objs, &api.ConfigMap{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: api.ObjectMeta{Namespace: "default", Name: fmt.Sprintf("big-%d", i)},
			Data:       map[string]string{"blob": strings.Repeat("x", 1000<<10)}})
	}
	return objs
}

func keysOf(objs []api.Object) []api.Key {
	var keys []api.Key
	for _, o := range objs {
		keys = append(keys, api.KeyOf(o))
	}
	return keys
}

// TestForwardedWritesOfLargeObjects forwards writes whose objects are
// larger than the old 8 MiB answer limit, and writes over the one command
// limit, from a follower and on the leader.
func TestForwardedWritesOfLargeObjects(t *testing.T) {
	ctx := context.Background()
	fp := newForwardingPair(t)
	eleven := bigConfigMaps(11) // about 10.7 MiB
	put := func(objs []api.Object) consensus.Command {
		return consensus.Put{Objects: objs, Mode: consensus.ModeApply, Time: time.Now()}
	}
	tests := []struct {
		name        string
		via         *Proposer
		cmd         consensus.Command
		wantErr     error
		wantWritten int
		wantStored  int  // big ConfigMaps in the store afterwards
		wantRequest bool // whether the command reached the leader
	}{
		{name: "forwarded put of 10.7 MiB", via: fp.follower, cmd: put(eleven), wantWritten: 11, wantStored: 11, wantRequest: true},
		{name: "forwarded delete of 10.7 MiB", via: fp.follower, cmd: consensus.Delete{Keys: keysOf(eleven)}, wantWritten: 11, wantStored: 0, wantRequest: true},
		{name: "forwarded put over the limit", via: fp.follower, cmd: put(bigConfigMaps(17)), wantErr: ErrTooLarge},
		{name: "local put over the limit", via: fp.leader, cmd: put(bigConfigMaps(17)), wantErr: ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fp.requests.Load()
			written, err := tt.via.Propose(ctx, tt.cmd)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("got error %v, want none", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			case tt.wantErr != nil && !errors.Is(err, consensus.ErrInvalid):
				t.Fatalf("got error %v, want one wrapping consensus.ErrInvalid too", err)
			}
			if len(written) != tt.wantWritten {
				t.Errorf("got %d objects written, want %d", len(written), tt.wantWritten)
			}
			for _, w := range written {
				if w.ResourceVersion == "" {
					t.Errorf("got %v without a resourceVersion, want one", w)
				}
			}
			if got := len(fp.store.List("ConfigMap", "default", nil)); got != tt.wantStored {
				t.Errorf("got %d ConfigMaps stored, want %d", got, tt.wantStored)
			}
			if got := fp.requests.Load() > before; got != tt.wantRequest {
				t.Errorf("got request reached the leader %v, want %v", got, tt.wantRequest)
			}
			if err != nil {
				t.Logf("refused: %v", err)
			}
		})
	}
}

// TestLeaderReadsAtMostMaxCommand sends the leader a body one byte over
// the limit, as a follower of another version might: it is refused.
func TestLeaderReadsAtMostMaxCommand(t *testing.T) {
	fp := newForwardingPair(t)
	res, err := fp.server.Client().Post(fp.server.URL, "application/octet-stream", bytes.NewReader(make([]byte, MaxCommand+1)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("got status %d, want %d", res.StatusCode, http.StatusRequestEntityTooLarge)
	}
	if got := len(fp.store.List("ConfigMap", "", nil)); got != 0 {
		t.Fatalf("got %d objects stored, want 0", got)
	}
}
