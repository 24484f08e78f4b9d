package consensus

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/shoal-dev/shoal/api"
)

// t0 is the proposer clock of test commands; it has sub-second precision on
// purpose.
var t0 = time.Date(2026, 11, 28, 10, 0, 0, 123456789, time.UTC)

func cm(ns, name string, labels, data map[string]string) *api.ConfigMap {
	return &api.ConfigMap{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Data:       data,
	}
}

// withRV returns a copy of obj carrying resourceVersion rv as a precondition.
func withRV[T api.Object](obj T, rv string) T {
	c := api.DeepCopy(obj)
	c.GetObjectMeta().ResourceVersion = rv
	return c
}

func cmKey(ns, name string) api.Key { return api.Key{Kind: "ConfigMap", Namespace: ns, Name: name} }

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// harness feeds encoded commands to an FSM at consecutive Raft indexes.
type harness struct {
	t     testing.TB
	fsm   *FSM
	store *Store
	index uint64
	now   time.Time
}

func newHarness(t testing.TB) *harness {
	s := NewStore()
	return &harness{t: t, fsm: NewFSM(s, testLogger(t)), store: s, now: t0}
}

func (h *harness) apply(data []byte) ApplyResult {
	h.t.Helper()
	h.index++
	res, ok := h.fsm.Apply(&raft.Log{Index: h.index, Term: 1, Type: raft.LogCommand, Data: data}).(ApplyResult)
	if !ok {
		h.t.Fatalf("Apply returned %T, want ApplyResult", res)
	}
	return res
}

func (h *harness) put(mode PutMode, objs ...api.Object) ApplyResult {
	h.t.Helper()
	h.now = h.now.Add(time.Minute)
	data, err := EncodePut(Put{Objects: objs, Mode: mode, Time: h.now})
	if err != nil {
		h.t.Fatalf("EncodePut: %v", err)
	}
	return h.apply(data)
}

// mustPut puts objs and fails the test on error.
func (h *harness) mustPut(mode PutMode, objs ...api.Object) []api.Object {
	h.t.Helper()
	res := h.put(mode, objs...)
	if res.Err != nil {
		h.t.Fatalf("put: %v", res.Err)
	}
	return res.Objects
}

func (h *harness) del(d Delete) ApplyResult {
	h.t.Helper()
	data, err := EncodeDelete(d)
	if err != nil {
		h.t.Fatalf("EncodeDelete: %v", err)
	}
	return h.apply(data)
}

// dump returns every stored object as JSON, in snapshot order, to compare
// whole states.
func dump(t testing.TB, s *Store) []string {
	t.Helper()
	_, objs := s.snapshot()
	snap := &fsmSnapshot{objects: objs}
	var b strings.Builder
	if err := snap.write(&b); err != nil {
		t.Fatalf("dump: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	return lines[1:] // drop the header
}
