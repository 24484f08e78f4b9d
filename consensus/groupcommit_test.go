package consensus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/shoal-dev/shoal/api"
)

// TestApplyBatchEntriesFailAlone: in one batch, an entry that fails its
// checks fails alone and changes nothing, every other entry gets its own
// result, and each entry sees the writes of the entries before it.
func TestApplyBatchEntriesFailAlone(t *testing.T) {
	enc := func(p Put) []byte {
		t.Helper()
		b, err := EncodePut(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	encDel := func(d Delete) []byte {
		t.Helper()
		b, err := EncodeDelete(d)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	put := func(obj api.Object) []byte {
		return enc(Put{Objects: []api.Object{obj}, Mode: ModeApply, Time: t0})
	}
	data := func(v string) map[string]string { return map[string]string{"k": v} }
	entries := []struct {
		name    string
		data    []byte
		wantErr error  // nil: success
		wantRV  string // of the one object in the result, on success
	}{
		{"create a", put(withRV(cm("default", "a", nil, data("1")), "0")), nil, "1"},
		{"update a, guarded by the version entry 1 wrote", put(withRV(cm("default", "a", nil, data("2")), "1")), nil, "2"},
		{"create b", put(cm("default", "b", nil, data("1"))), nil, "3"},
		{"stale update of a", put(withRV(cm("default", "a", nil, data("stale")), "1")), ErrConflict, ""},
		{"status of a kind without status", enc(Put{Objects: []api.Object{cm("default", "b", nil, nil)}, Mode: ModeStatus, Time: t0}), ErrInvalid, ""},
		{"delete b", encDel(Delete{Keys: []api.Key{cmKey("default", "b")}}), nil, "3"},
		{"create b again, which entry 6 deleted", put(withRV(cm("default", "b", nil, data("again")), "0")), nil, "7"},
		{"delete what is gone", encDel(Delete{Keys: []api.Key{cmKey("default", "c")}}), ErrNotFound, ""},
		{"update a again", put(cm("default", "a", nil, data("3"))), nil, "9"},
	}
	logs := make([]*raft.Log, len(entries))
	for i, e := range entries {
		logs[i] = &raft.Log{Index: uint64(i + 1), Term: 1, Type: raft.LogCommand, Data: e.data}
	}
	h := newHarness(t)
	out := h.fsm.ApplyBatch(logs)
	if len(out) != len(entries) {
		t.Fatalf("got %d responses, want %d", len(out), len(entries))
	}
	for i, e := range entries {
		res, ok := out[i].(ApplyResult)
		if !ok {
			t.Fatalf("entry %d (%s): got %T, want ApplyResult", i+1, e.name, out[i])
		}
		switch {
		case e.wantErr != nil && !errors.Is(res.Err, e.wantErr):
			t.Errorf("entry %d (%s): got error %v, want %v", i+1, e.name, res.Err, e.wantErr)
		case e.wantErr != nil && res.Objects != nil:
			t.Errorf("entry %d (%s): failed but returned objects %v", i+1, e.name, res.Objects)
		case e.wantErr == nil && res.Err != nil:
			t.Errorf("entry %d (%s): got error %v, want none", i+1, e.name, res.Err)
		case e.wantErr == nil && (len(res.Objects) != 1 || res.Objects[0].GetObjectMeta().ResourceVersion != e.wantRV):
			t.Errorf("entry %d (%s): got objects %v, want one at resourceVersion %s", i+1, e.name, res.Objects, e.wantRV)
		}
	}
	for _, want := range []struct{ name, rv, data string }{{"a", "9", "3"}, {"b", "7", "again"}} {
		obj, ok := h.store.Get("ConfigMap", "default", want.name)
		if !ok {
			t.Fatalf("%s: missing", want.name)
		}
		got := obj.(*api.ConfigMap)
		if got.ResourceVersion != want.rv || got.Data["k"] != want.data {
			t.Errorf("%s: got resourceVersion %s data %q, want %s %q", want.name, got.ResourceVersion, got.Data["k"], want.rv, want.data)
		}
	}
	if got := h.store.Index(); got != uint64(len(entries)) {
		t.Errorf("got Index %d, want %d", got, len(entries))
	}

	// The same entries one at a time end in the same state.
	single := newHarness(t)
	for _, l := range logs {
		single.fsm.Apply(l)
	}
	if got, want := strings.Join(dump(t, h.store), "\n"), strings.Join(dump(t, single.store), "\n"); got != want {
		t.Errorf("batched state differs from one-by-one:\n got %s\nwant %s", got, want)
	}
}

// TestGroupCommitAnswersEachCaller proposes concurrently through a real
// Raft node until the leader commits several proposals as one batch, and
// checks that every caller got its own answer: its own objects and
// versions, or its own error while the rest of the batch succeeded, and
// that each caller's chain of guarded updates applied in order.
// It runs on the write-ahead log, the store of every new data dir.
func TestGroupCommitAnswersEachCaller(t *testing.T) {
	n := openSingleNode(t)
	if got := n.LogStore(); got != LogStoreWAL {
		t.Fatalf("log store %q, want %q: the agents' store for a new data dir", got, LogStoreWAL)
	}
	var maxBatch atomic.Int64
	hook := func(size int) {
		for {
			cur := maxBatch.Load()
			if int64(size) <= cur || maxBatch.CompareAndSwap(cur, int64(size)) {
				return
			}
		}
	}
	n.fsm.onBatch.Store(&hook)

	const callers, chain = 48, 3
	for round := 0; round < 5 && maxBatch.Load() < 2; round++ {
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, callers)
		for i := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs <- proposeChain(n, round, i, chain)
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		if t.Failed() {
			return
		}
	}
	if maxBatch.Load() < 2 {
		t.Fatalf("no two proposals were committed in one batch in 5 rounds of %d concurrent callers", callers)
	}
	t.Logf("largest batch: %d entries", maxBatch.Load())
}

// proposeChain is caller i's part in round r: a third of callers send a
// write that must fail (a guard on an object that does not exist), the
// others create an object and update it chain-1 times, each update
// guarded by the version the previous answer reported.
func proposeChain(n *Node, r, i, chain int) error {
	ctx := context.Background()
	apply := func(obj api.Object) (ApplyResult, error) {
		b, err := EncodePut(Put{Objects: []api.Object{obj}, Mode: ModeApply, Time: t0})
		if err != nil {
			return ApplyResult{}, err
		}
		return n.Apply(ctx, b)
	}
	if i%3 == 0 {
		name := fmt.Sprintf("missing-%d-%d", r, i)
		res, err := apply(withRV(cm("default", name, nil, nil), "12345"))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if !errors.Is(res.Err, ErrConflict) || !strings.Contains(res.Err.Error(), name) || res.Objects != nil {
			return fmt.Errorf("%s: got %v, %v; want its own conflict and no objects", name, res.Objects, res.Err)
		}
		return nil
	}
	name := fmt.Sprintf("chain-%d-%d", r, i)
	rv, prev := "0", uint64(0)
	for step := range chain {
		res, err := apply(withRV(cm("default", name, nil, map[string]string{"step": strconv.Itoa(step)}), rv))
		if err != nil {
			return fmt.Errorf("%s step %d: %w", name, step, err)
		}
		if res.Err != nil {
			return fmt.Errorf("%s step %d: got error %v, want none", name, step, res.Err)
		}
		if len(res.Objects) != 1 {
			return fmt.Errorf("%s step %d: got %d objects, want 1", name, step, len(res.Objects))
		}
		got := res.Objects[0].(*api.ConfigMap)
		if got.Name != name || got.Data["step"] != strconv.Itoa(step) {
			return fmt.Errorf("%s step %d: got %s with step %q, want its own object", name, step, got.Name, got.Data["step"])
		}
		idx, err := strconv.ParseUint(got.ResourceVersion, 10, 64)
		if err != nil || idx <= prev {
			return fmt.Errorf("%s step %d: got resourceVersion %q after %d, want a later one", name, step, got.ResourceVersion, prev)
		}
		rv, prev = got.ResourceVersion, idx
	}
	obj, ok := n.store.Get("ConfigMap", "default", name)
	if !ok || obj.GetObjectMeta().ResourceVersion != rv {
		return fmt.Errorf("%s: stored %v, want resourceVersion %s", name, obj, rv)
	}
	return nil
}
