package consensus

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/raft"

	"github.com/shoal-dev/shoal/api"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestPutCreateStamps(t *testing.T) {
	h := newHarness(t)
	h.mustPut(ModeApply, cm("default", "seed", nil, nil)) // index 1

	in := cm("default", "app", map[string]string{"app": "web"}, map[string]string{"k": "v"})
	bogus := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	in.UID, in.Generation, in.CreationTimestamp, in.DeletionTimestamp = "user-uid", 7, &bogus, &bogus
	other := cm("kube-system", "app", nil, nil)
	res := h.put(ModeApply, in, other) // index 2
	if res.Err != nil {
		t.Fatalf("put: %v", res.Err)
	}
	if len(res.Objects) != 2 {
		t.Fatalf("got %d objects, want 2", len(res.Objects))
	}
	wantCreated := h.now.Truncate(time.Second)
	uids := map[string]bool{}
	for i, obj := range res.Objects {
		m := obj.GetObjectMeta()
		if m.ResourceVersion != "2" {
			t.Errorf("object %d: got resourceVersion %q, want %q", i, m.ResourceVersion, "2")
		}
		if m.Generation != 1 {
			t.Errorf("object %d: got generation %d, want 1", i, m.Generation)
		}
		if !uuidV4.MatchString(m.UID) {
			t.Errorf("object %d: got uid %q, want a UUID v4", i, m.UID)
		}
		uids[m.UID] = true
		if m.CreationTimestamp == nil || !m.CreationTimestamp.Equal(wantCreated) || m.CreationTimestamp.Location() != time.UTC {
			t.Errorf("object %d: got creationTimestamp %v, want %v", i, m.CreationTimestamp, wantCreated)
		}
		if m.DeletionTimestamp != nil {
			t.Errorf("object %d: got deletionTimestamp %v, want none from an apply", i, m.DeletionTimestamp)
		}
	}
	seed, _ := h.store.Get("ConfigMap", "default", "seed")
	uids[seed.GetObjectMeta().UID] = true
	if len(uids) != 3 {
		t.Errorf("got %d distinct uids for 3 objects", len(uids))
	}
	got, ok := h.store.Get("ConfigMap", "default", "app")
	if !ok || got != res.Objects[0] {
		t.Errorf("Get returned %v, %v; want the stored object from the result", got, ok)
	}
	if diff := cmp.Diff(map[string]string{"k": "v"}, got.(*api.ConfigMap).Data); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
	if h.store.Index() != 2 || h.store.Len() != 3 {
		t.Errorf("got Index %d Len %d, want 2 and 3", h.store.Index(), h.store.Len())
	}
}

func TestUIDDeterministic(t *testing.T) {
	a := uidFor(5, 0, t0)
	tests := []struct {
		name  string
		other string
	}{
		{"another index", uidFor(6, 0, t0)},
		{"another position", uidFor(5, 1, t0)},
		{"another time", uidFor(5, 0, t0.Add(time.Nanosecond))},
	}
	if again := uidFor(5, 0, t0); again != a {
		t.Errorf("got %s then %s for the same input", a, again)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.other == a {
				t.Errorf("got the same uid %s", a)
			}
			if !uuidV4.MatchString(tt.other) {
				t.Errorf("got uid %q, want a UUID v4", tt.other)
			}
		})
	}
}

func TestPutUpdate(t *testing.T) {
	base := func() *api.ConfigMap {
		return cm("default", "app", map[string]string{"app": "web"}, map[string]string{"k": "v"})
	}
	tests := []struct {
		name           string
		mode           PutMode
		update         func(*api.ConfigMap)
		wantRV         string
		wantGeneration int64
	}{
		{"data change bumps generation", ModeApply, func(c *api.ConfigMap) { c.Data["k"] = "v2" }, "2", 2},
		{"binary data counts as spec", ModeReplace, func(c *api.ConfigMap) { c.BinaryData = map[string][]byte{"b": {1}} }, "2", 2},
		{"label change keeps generation", ModeApply, func(c *api.ConfigMap) { c.Labels["tier"] = "front" }, "2", 1},
		{"annotation change keeps generation", ModeApply, func(c *api.ConfigMap) { c.Annotations = map[string]string{"a": "b"} }, "2", 1},
		{"identical apply is no write", ModeApply, func(*api.ConfigMap) {}, "1", 1},
		{"identical replace is no write", ModeReplace, func(*api.ConfigMap) {}, "1", 1},
		{"cluster-set fields in input are ignored", ModeApply, func(c *api.ConfigMap) {
			c.Generation = 42
			ts := time.Unix(0, 0)
			c.CreationTimestamp = &ts
		}, "1", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			created := h.mustPut(ModeApply, base())[0]
			in := base()
			tt.update(in)
			res := h.put(tt.mode, in)
			if res.Err != nil {
				t.Fatalf("update: %v", res.Err)
			}
			got := res.Objects[0].GetObjectMeta()
			want := created.GetObjectMeta()
			if got.UID != want.UID {
				t.Errorf("got uid %s, want %s kept", got.UID, want.UID)
			}
			if !got.CreationTimestamp.Equal(*want.CreationTimestamp) {
				t.Errorf("got creationTimestamp %v, want %v kept", got.CreationTimestamp, want.CreationTimestamp)
			}
			if got.ResourceVersion != tt.wantRV {
				t.Errorf("got resourceVersion %s, want %s", got.ResourceVersion, tt.wantRV)
			}
			if got.Generation != tt.wantGeneration {
				t.Errorf("got generation %d, want %d", got.Generation, tt.wantGeneration)
			}
			stored, _ := h.store.Get("ConfigMap", "default", "app")
			if stored != res.Objects[0] {
				t.Errorf("result object is not the stored one")
			}
			if h.store.Index() != 2 {
				t.Errorf("got Index %d, want 2: a no-op write still advances it", h.store.Index())
			}
		})
	}
}

func TestPutFailuresChangeNothing(t *testing.T) {
	// Every case starts from a ConfigMap "a" at resourceVersion 1.
	tests := []struct {
		name string
		put  func(h *harness) ApplyResult
		want error
	}{
		{"stale resourceVersion", func(h *harness) ApplyResult {
			return h.put(ModeApply, withRV(cm("default", "a", nil, map[string]string{"x": "1"}), "7"))
		}, ErrConflict},
		{"resourceVersion 0 but exists", func(h *harness) ApplyResult {
			return h.put(ModeApply, withRV(cm("default", "a", nil, nil), "0"))
		}, ErrConflict},
		{"resourceVersion on missing object", func(h *harness) ApplyResult {
			return h.put(ModeApply, withRV(cm("default", "b", nil, nil), "1"))
		}, ErrConflict},
		{"uid mismatch", func(h *harness) ApplyResult {
			c := cm("default", "a", nil, map[string]string{"x": "1"})
			c.UID = "00000000-0000-4000-8000-000000000000"
			return h.put(ModeApply, c)
		}, ErrConflict},
		{"second object of batch conflicts", func(h *harness) ApplyResult {
			return h.put(ModeApply, cm("default", "new", nil, nil), withRV(cm("default", "a", nil, map[string]string{"x": "1"}), "2"))
		}, ErrConflict},
		{"duplicate key", func(h *harness) ApplyResult {
			return h.put(ModeApply, cm("default", "new", nil, nil), cm("default", "new", nil, nil))
		}, ErrInvalid},
		{"no name", func(h *harness) ApplyResult { return h.put(ModeApply, cm("default", "", nil, nil)) }, ErrInvalid},
		{"namespaced kind without namespace", func(h *harness) ApplyResult { return h.put(ModeApply, cm("", "n", nil, nil)) }, ErrInvalid},
		{"no objects", func(h *harness) ApplyResult { return h.put(ModeApply) }, ErrInvalid},
		{"unknown mode", func(h *harness) ApplyResult { return h.put("merge", cm("default", "n", nil, nil)) }, ErrInvalid},
		{"status of a kind without status", func(h *harness) ApplyResult {
			return h.put(ModeStatus, cm("default", "a", nil, nil))
		}, ErrInvalid},
		{"no time", func(h *harness) ApplyResult {
			data, err := EncodePut(Put{Objects: []api.Object{cm("default", "n", nil, nil)}, Mode: ModeApply})
			if err != nil {
				t.Fatal(err)
			}
			return h.apply(data)
		}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.mustPut(ModeApply, cm("default", "a", nil, nil))
			before := dump(t, h.store)
			events := h.store.Watch(t.Context())
			res := tt.put(h)
			if !errors.Is(res.Err, tt.want) {
				t.Fatalf("got error %v, want %v", res.Err, tt.want)
			}
			if res.Objects != nil {
				t.Errorf("got objects %v with an error, want none", res.Objects)
			}
			if diff := cmp.Diff(before, dump(t, h.store)); diff != "" {
				t.Errorf("state changed (-before +after):\n%s", diff)
			}
			if h.store.Index() != 2 {
				t.Errorf("got Index %d, want 2: a failed command still advances it", h.store.Index())
			}
			select {
			case ev := <-events:
				t.Errorf("got event %s %s, want none", ev.Type, api.KeyOf(ev.Object))
			default:
			}
		})
	}
}

func TestPutPreconditionsPass(t *testing.T) {
	h := newHarness(t)
	h.mustPut(ModeApply, cm("default", "a", nil, nil))
	created := h.mustPut(ModeApply, withRV(cm("default", "b", nil, nil), "0"))[0]
	if rv := created.GetObjectMeta().ResourceVersion; rv != "2" {
		t.Fatalf("got resourceVersion %s, want 2", rv)
	}
	in := withRV(cm("default", "a", nil, map[string]string{"x": "1"}), "1")
	in.UID = func() string { o, _ := h.store.Get("ConfigMap", "default", "a"); return o.GetObjectMeta().UID }()
	got := h.mustPut(ModeApply, in)[0]
	if rv := got.GetObjectMeta().ResourceVersion; rv != "3" {
		t.Errorf("got resourceVersion %s, want 3", rv)
	}
}

func TestDelete(t *testing.T) {
	tests := []struct {
		name    string
		del     Delete
		want    error
		wantLen int // objects left of 2
	}{
		{"two objects", Delete{Keys: []api.Key{cmKey("default", "a"), cmKey("default", "b")}}, nil, 0},
		{"matching preconditions", Delete{Keys: []api.Key{cmKey("default", "a")},
			Preconditions: []Precondition{{Key: cmKey("default", "a"), ResourceVersion: "1"}}}, nil, 1},
		{"one missing", Delete{Keys: []api.Key{cmKey("default", "a"), cmKey("default", "zzz")}}, ErrNotFound, 2},
		{"wrong namespace is missing", Delete{Keys: []api.Key{cmKey("other", "a")}}, ErrNotFound, 2},
		{"stale resourceVersion", Delete{Keys: []api.Key{cmKey("default", "a"), cmKey("default", "b")},
			Preconditions: []Precondition{{Key: cmKey("default", "b"), ResourceVersion: "1"}}}, ErrConflict, 2},
		{"uid mismatch", Delete{Keys: []api.Key{cmKey("default", "a")},
			Preconditions: []Precondition{{Key: cmKey("default", "a"), UID: "nope"}}}, ErrConflict, 2},
		{"precondition for a key not deleted", Delete{Keys: []api.Key{cmKey("default", "a")},
			Preconditions: []Precondition{{Key: cmKey("default", "b"), ResourceVersion: "2"}}}, ErrInvalid, 2},
		{"duplicate key", Delete{Keys: []api.Key{cmKey("default", "a"), cmKey("default", "a")}}, ErrInvalid, 2},
		{"unknown kind", Delete{Keys: []api.Key{{Kind: "Gadget", Namespace: "default", Name: "a"}}}, ErrInvalid, 2},
		{"no keys", Delete{}, ErrInvalid, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.mustPut(ModeApply, cm("default", "a", nil, nil))
			h.mustPut(ModeApply, cm("default", "b", nil, nil))
			before := dump(t, h.store)
			res := h.del(tt.del)
			if !errors.Is(res.Err, tt.want) || (tt.want == nil && res.Err != nil) {
				t.Fatalf("got error %v, want %v", res.Err, tt.want)
			}
			if got := h.store.Len(); got != tt.wantLen {
				t.Errorf("got %d objects left, want %d", got, tt.wantLen)
			}
			if tt.want != nil {
				if diff := cmp.Diff(before, dump(t, h.store)); diff != "" {
					t.Errorf("state changed (-before +after):\n%s", diff)
				}
				return
			}
			if len(res.Objects) != len(tt.del.Keys) {
				t.Fatalf("got %d deleted objects, want %d", len(res.Objects), len(tt.del.Keys))
			}
			for i, obj := range res.Objects {
				if got := api.KeyOf(obj); got != tt.del.Keys[i] {
					t.Errorf("deleted object %d is %s, want %s", i, got, tt.del.Keys[i])
				}
			}
		})
	}
}

func TestApplyPanicsOnUndecodableEntry(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"empty entry", nil},
		{"unknown command type", []byte{0xff, '{', '}'}},
		{"zero command type", []byte{0, '{', '}'}},
		{"bad JSON", append([]byte{byte(CmdPut)}, "{not json"...)},
		{"unknown field", append([]byte{byte(CmdDelete)}, `{"keys":[],"cascade":true}`...)},
		{"unknown kind", append([]byte{byte(CmdPut)}, `{"objects":[{"kind":"Gadget","object":{}}],"mode":"apply","time":"2026-11-28T10:00:00Z"}`...)},
		{"unknown object field", append([]byte{byte(CmdPut)}, `{"objects":[{"kind":"ConfigMap","object":{"metadata":{"name":"a"},"spec":{}}}],"mode":"apply","time":"2026-11-28T10:00:00Z"}`...)},
		{"kind mismatch", append([]byte{byte(CmdPut)}, `{"objects":[{"kind":"ConfigMap","object":{"kind":"Pod","metadata":{"name":"a"}}}],"mode":"apply","time":"2026-11-28T10:00:00Z"}`...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			defer func() {
				r := recover()
				if r == nil {
					t.Fatalf("Apply returned, want a panic")
				}
				if msg, _ := r.(string); !strings.Contains(msg, "cannot apply raft log entry 1") {
					t.Errorf("got panic %v, want one naming the entry", r)
				}
			}()
			h.apply(tt.data)
		})
	}
}

func TestCommandRoundTrip(t *testing.T) {
	put := Put{
		Objects: []api.Object{cm("default", "a", map[string]string{"x": "y"}, map[string]string{"k": "v"}), cm("ns2", "b", nil, nil)},
		Mode:    ModeReplace,
		Time:    t0,
	}
	del := Delete{
		Keys:          []api.Key{cmKey("default", "a")},
		Preconditions: []Precondition{{Key: cmKey("default", "a"), ResourceVersion: "3", UID: "u"}},
	}
	tests := []struct {
		name   string
		encode func() ([]byte, error)
		want   Command
	}{
		{"put", func() ([]byte, error) { return EncodePut(put) }, put},
		{"delete", func() ([]byte, error) { return EncodeDelete(del) }, del},
		{"put through EncodeCommand", func() ([]byte, error) { return EncodeCommand(put) }, put},
		{"delete through EncodeCommand", func() ([]byte, error) { return EncodeCommand(del) }, del},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := tt.encode()
			if err != nil {
				t.Fatal(err)
			}
			if CommandType(data[0]) != tt.want.Type() {
				t.Errorf("got type byte %d, want %d", data[0], tt.want.Type())
			}
			got, err := DecodeCommand(data)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("EncodeCommand refuses what is not a command", func(t *testing.T) {
		if _, err := EncodeCommand(nil); err == nil {
			t.Errorf("got no error, want one")
		}
	})
	t.Run("unregistered kind cannot be encoded", func(t *testing.T) {
		c := cm("default", "a", nil, nil)
		c.Kind = "Gadget"
		if _, err := EncodePut(Put{Objects: []api.Object{c}, Mode: ModeApply, Time: t0}); err == nil {
			t.Errorf("got no error, want one")
		}
	})
}

func TestApplyBatch(t *testing.T) {
	enc := func(p Put) []byte {
		b, err := EncodePut(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	h := newHarness(t)
	logs := []*raft.Log{
		{Index: 1, Type: raft.LogCommand, Data: enc(Put{Objects: []api.Object{cm("default", "a", nil, nil)}, Mode: ModeApply, Time: t0})},
		{Index: 2, Type: raft.LogConfiguration},
		{Index: 3, Type: raft.LogCommand, Data: enc(Put{Objects: []api.Object{withRV(cm("default", "a", nil, nil), "0")}, Mode: ModeApply, Time: t0})},
		{Index: 4, Type: raft.LogCommand, Data: enc(Put{Objects: []api.Object{cm("default", "b", nil, nil)}, Mode: ModeApply, Time: t0})},
		{Index: 5, Type: raft.LogConfiguration},
	}
	out := h.fsm.ApplyBatch(logs)
	if len(out) != len(logs) {
		t.Fatalf("got %d responses, want %d", len(out), len(logs))
	}
	wantErr := []error{nil, nil, ErrConflict, nil, nil}
	for i, r := range out {
		if logs[i].Type != raft.LogCommand {
			if r != nil {
				t.Errorf("response %d: got %v for a configuration entry, want nil", i, r)
			}
			continue
		}
		res := r.(ApplyResult)
		if !errors.Is(res.Err, wantErr[i]) || (wantErr[i] == nil && res.Err != nil) {
			t.Errorf("response %d: got error %v, want %v", i, res.Err, wantErr[i])
		}
	}
	if h.store.Index() != 5 {
		t.Errorf("got Index %d, want 5", h.store.Index())
	}
	b, _ := h.store.Get("ConfigMap", "default", "b")
	if b == nil || b.GetObjectMeta().ResourceVersion != "4" {
		t.Errorf("got %v, want b at resourceVersion 4", b)
	}
}
