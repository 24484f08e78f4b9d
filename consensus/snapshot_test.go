package consensus

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/raft"

	"github.com/shoal-dev/shoal/api"
)

// persist snapshots f into a fresh in-memory snapshot store and returns the
// bytes written.
func persist(t *testing.T, snap raft.FSMSnapshot) []byte {
	t.Helper()
	store := raft.NewInmemSnapshotStore()
	sink, err := store.Create(raft.SnapshotVersionMax, 10, 1, raft.Configuration{}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := snap.Persist(sink); err != nil {
		t.Fatalf("Persist: %v", err)
	}
	snap.Release()
	_, rc, err := store.Open(sink.ID())
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustSnapshot(t *testing.T, f *FSM) raft.FSMSnapshot {
	t.Helper()
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	return snap
}

func TestSnapshotRoundTrip(t *testing.T) {
	src := newHarness(t)
	src.mustPut(ModeApply, cm("default", "a", map[string]string{"app": "web"}, map[string]string{"k": "v"}), cm("prod", "b", nil, nil))
	src.mustPut(ModeApply, cm("default", "a", map[string]string{"app": "web"}, map[string]string{"k": "v2"}))
	src.mustPut(ModeApply, cm("default", "c", map[string]string{"app": "db"}, nil))
	src.del(Delete{Keys: []api.Key{cmKey("default", "c")}})

	data := persist(t, mustSnapshot(t, src.fsm))
	dst := newHarness(t)
	if err := dst.fsm.Restore(io.NopCloser(bytes.NewReader(data))); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if diff := cmp.Diff(dump(t, src.store), dump(t, dst.store)); diff != "" {
		t.Errorf("restored state (-want +got):\n%s", diff)
	}
	if got, want := dst.store.Index(), src.store.Index(); got != want {
		t.Errorf("got Index %d, want %d", got, want)
	}
	if got := keys(dst.store.List("ConfigMap", "", map[string]string{"app": "web"})); !cmp.Equal(got, []string{"ConfigMap/default/a"}) {
		t.Errorf("label index after restore: got %v", got)
	}
	// Both continue identically from there.
	dst.index, dst.now = src.index, src.now
	for _, h := range []*harness{src, dst} {
		h.mustPut(ModeApply, cm("default", "d", nil, nil))
	}
	if diff := cmp.Diff(dump(t, src.store), dump(t, dst.store)); diff != "" {
		t.Errorf("after one more put (-src +dst):\n%s", diff)
	}
}

func TestSnapshotIsImmutableView(t *testing.T) {
	h := newHarness(t)
	h.mustPut(ModeApply, cm("default", "a", nil, map[string]string{"k": "v1"}))
	snap := mustSnapshot(t, h.fsm)
	want := dump(t, h.store)
	// Writes after Snapshot must not show in what Persist writes.
	h.mustPut(ModeApply, cm("default", "a", nil, map[string]string{"k": "v2"}))
	h.mustPut(ModeApply, cm("default", "b", nil, nil))
	data := persist(t, snap)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if diff := cmp.Diff(want, lines[1:]); diff != "" {
		t.Errorf("persisted objects (-at snapshot +persisted):\n%s", diff)
	}
	if want := `{"format":1,"index":1,"objects":1}`; lines[0] != want {
		t.Errorf("got header %s, want %s", lines[0], want)
	}
}

// failingSink fails every write after the first limit bytes.
type failingSink struct {
	limit             int
	written           int
	cancelled, closed bool
}

func (s *failingSink) Write(p []byte) (int, error) {
	if s.written+len(p) > s.limit {
		return 0, errors.New("disk full")
	}
	s.written += len(p)
	return len(p), nil
}
func (s *failingSink) Close() error  { s.closed = true; return nil }
func (s *failingSink) ID() string    { return "failing" }
func (s *failingSink) Cancel() error { s.cancelled = true; return nil }

func TestPersistCancelsOnError(t *testing.T) {
	h := newHarness(t)
	for i := range 2000 { // more than the 64 KiB write buffer
		h.mustPut(ModeApply, cm("default", fmt.Sprintf("cm-%04d", i), nil, map[string]string{"k": strings.Repeat("x", 40)}))
	}
	tests := []struct {
		name  string
		limit int
	}{
		{"fails at once", 0},
		{"fails midway", 100 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &failingSink{limit: tt.limit}
			err := mustSnapshot(t, h.fsm).Persist(sink)
			if err == nil || !strings.Contains(err.Error(), "disk full") {
				t.Errorf("got error %v, want one wrapping the write error", err)
			}
			if !sink.cancelled || sink.closed {
				t.Errorf("got cancelled=%v closed=%v, want cancelled and not closed", sink.cancelled, sink.closed)
			}
		})
	}
}

func TestRestoreReplacesStateAndClosesWatchers(t *testing.T) {
	src := newHarness(t)
	src.mustPut(ModeApply, cm("default", "from-snapshot", nil, nil))
	data := persist(t, mustSnapshot(t, src.fsm))

	dst := newHarness(t)
	for i := range 5 {
		dst.mustPut(ModeApply, cm("default", fmt.Sprintf("old-%d", i), map[string]string{"old": "yes"}, nil))
	}
	w := dst.store.Watch(t.Context())
	if err := dst.fsm.Restore(io.NopCloser(bytes.NewReader(data))); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if got := keys(dst.store.List("ConfigMap", "", nil)); !cmp.Equal(got, []string{"ConfigMap/default/from-snapshot"}) {
		t.Errorf("got objects %v after restore, want only the snapshot's", got)
	}
	if got := dst.store.List("ConfigMap", "", map[string]string{"old": "yes"}); len(got) != 0 {
		t.Errorf("label index still finds %v", keys(got))
	}
	if dst.store.Index() != 1 {
		t.Errorf("got Index %d, want the snapshot's 1", dst.store.Index())
	}
	if _, ok := <-w; ok {
		t.Errorf("watcher got an event, want it closed")
	}
}

func TestRestoreRejectsBadSnapshots(t *testing.T) {
	obj := `{"kind":"ConfigMap","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"default","resourceVersion":"1"}}}`
	tests := []struct {
		name string
		data string
	}{
		{"empty", ""},
		{"not JSON", "hello\n"},
		{"future format", `{"format":2,"index":1,"objects":0}` + "\n"},
		{"truncated", `{"format":1,"index":1,"objects":2}` + "\n" + obj + "\n"},
		{"cut mid-line", `{"format":1,"index":1,"objects":1}` + "\n" + obj[:40]},
		{"duplicate object", `{"format":1,"index":1,"objects":2}` + "\n" + obj + "\n" + obj + "\n"},
		{"unknown kind", `{"format":1,"index":1,"objects":1}` + "\n" + `{"kind":"Gadget","object":{}}` + "\n"},
		{"object without namespace", `{"format":1,"index":1,"objects":1}` + "\n" +
			`{"kind":"ConfigMap","object":{"kind":"ConfigMap","metadata":{"name":"a"}}}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.mustPut(ModeApply, cm("default", "keep", nil, nil))
			before := dump(t, h.store)
			w := h.store.Watch(t.Context())
			if err := h.fsm.Restore(io.NopCloser(strings.NewReader(tt.data))); err == nil {
				t.Fatalf("got no error, want one")
			}
			if diff := cmp.Diff(before, dump(t, h.store)); diff != "" {
				t.Errorf("state changed (-before +after):\n%s", diff)
			}
			select {
			case _, ok := <-w:
				t.Errorf("watcher got a receive (open=%v), want it untouched", ok)
			default:
			}
		})
	}
}

// randomLog returns n encoded commands, a mix of creates, updates, conflicts,
// deletes of present and missing objects, drawn from a fixed seed.
func randomLog(t testing.TB, seed uint64, n int) [][]byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	now := t0
	var out [][]byte
	for range n {
		now = now.Add(time.Duration(rng.IntN(5000)) * time.Millisecond)
		var data []byte
		var err error
		switch rng.IntN(4) {
		case 0, 1:
			var objs []api.Object
			for j := range 1 + rng.IntN(3) {
				c := cm(fmt.Sprintf("ns%d", rng.IntN(3)), fmt.Sprintf("cm-%d-%d", rng.IntN(20), j),
					map[string]string{"app": fmt.Sprint(rng.IntN(4))}, map[string]string{"v": fmt.Sprint(rng.IntN(3))})
				if rng.IntN(5) == 0 {
					c.ResourceVersion = fmt.Sprint(rng.IntN(50))
				}
				objs = append(objs, c)
			}
			data, err = EncodePut(Put{Objects: objs, Mode: []PutMode{ModeApply, ModeReplace}[rng.IntN(2)], Time: now})
		case 2:
			data, err = EncodeDelete(Delete{Keys: []api.Key{cmKey(fmt.Sprintf("ns%d", rng.IntN(3)), fmt.Sprintf("cm-%d-0", rng.IntN(20)))}})
		case 3:
			data, err = EncodePut(Put{Objects: []api.Object{cm("ns0", fmt.Sprintf("cm-%d-1", rng.IntN(20)), nil, nil)}, Mode: ModeApply, Time: now})
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

func TestReplicasEndIdentical(t *testing.T) {
	entries := randomLog(t, 42, 600)
	one, batched := newHarness(t), newHarness(t)
	var errsOne, errsBatched []string
	for _, e := range entries {
		errsOne = append(errsOne, fmt.Sprint(one.apply(e).Err))
	}
	for start := 0; start < len(entries); {
		end := min(len(entries), start+1+start%7)
		var logs []*raft.Log
		for i := start; i < end; i++ {
			logs = append(logs, &raft.Log{Index: uint64(i + 1), Type: raft.LogCommand, Data: entries[i]})
		}
		for _, r := range batched.fsm.ApplyBatch(logs) {
			errsBatched = append(errsBatched, fmt.Sprint(r.(ApplyResult).Err))
		}
		start = end
	}
	if diff := cmp.Diff(errsOne, errsBatched); diff != "" {
		t.Errorf("results differ (-one +batched):\n%s", diff)
	}
	a, b := persist(t, mustSnapshot(t, one.fsm)), persist(t, mustSnapshot(t, batched.fsm))
	if !bytes.Equal(a, b) {
		t.Errorf("snapshots differ:\n%s", cmp.Diff(string(a), string(b)))
	}
	ok := 0
	for _, e := range errsOne {
		if e == "<nil>" {
			ok++
		}
	}
	if ok == 0 || ok == len(errsOne) || one.store.Len() == 0 {
		t.Errorf("log exercises too little: %d of %d commands succeeded, %d objects", ok, len(errsOne), one.store.Len())
	}
	t.Logf("%d of %d commands succeeded, %d objects", ok, len(errsOne), one.store.Len())
}
