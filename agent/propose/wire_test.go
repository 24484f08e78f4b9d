package propose

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

func TestWireRoundTrip(t *testing.T) {
	cm := &api.ConfigMap{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "a", ResourceVersion: "7"}}
	tests := []struct {
		name    string
		err     error
		wantIs  error
		wantMsg string
	}{
		{name: "ok"},
		{name: "conflict", err: fmt.Errorf("%w: stale", consensus.ErrConflict), wantIs: consensus.ErrConflict},
		{name: "not found", err: fmt.Errorf("%w: gone", consensus.ErrNotFound), wantIs: consensus.ErrNotFound},
		{name: "other", err: errors.New("bad spec"), wantMsg: "bad spec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(ToWire(consensus.ApplyResult{Objects: []api.Object{cm}, Err: tt.err}))
			if err != nil {
				t.Fatal(err)
			}
			var back WireResult
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			written, err := back.Result()
			want := api.Written{Key: api.KeyOf(cm), ResourceVersion: "7"}
			switch {
			case tt.err == nil && (len(written) != 1 || written[0] != want):
				t.Errorf("got written %v, want [%v]", written, want)
			case tt.err != nil && len(written) != 0:
				t.Errorf("got written %v from a failed command, want none", written)
			}
			switch {
			case tt.err == nil && err != nil:
				t.Errorf("got error %v, want none", err)
			case tt.wantIs != nil && !errors.Is(err, tt.wantIs):
				t.Errorf("got error %v, want one wrapping %v", err, tt.wantIs)
			case tt.wantMsg != "" && (err == nil || err.Error() != tt.wantMsg):
				t.Errorf("got error %v, want %q", err, tt.wantMsg)
			}
		})
	}
}

// TestResultFitsForAnyCommand checks the bound maxResult rests on: the
// result of a command takes less than three times the command's bytes,
// even for the commands whose objects are smallest next to what the result
// says about them (pods with one-letter names and namespaces, deleted by
// key, at resourceVersions of 20 digits). The ratio is per object, so a
// few objects show it for any number.
func TestResultFitsForAnyCommand(t *testing.T) {
	var objs, stored []api.Object
	var keys []api.Key
	for i := range 20 {
		o := &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: api.ObjectMeta{Namespace: "d", Name: string(rune('a' + i))}}
		objs = append(objs, o)
		keys = append(keys, api.KeyOf(o))
		s := api.DeepCopy(o)
		s.ResourceVersion = "18446744073709551615"
		stored = append(stored, s)
	}
	tests := []struct {
		name string
		cmd  consensus.Command
	}{
		{"put of tiny objects", consensus.Put{Objects: objs, Mode: consensus.ModeApply, Time: time.Now()}},
		{"delete of tiny objects", consensus.Delete{Keys: keys}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, err := consensus.EncodeCommand(tt.cmd)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := json.NewEncoder(&buf).Encode(ToWire(consensus.ApplyResult{Objects: stored})); err != nil {
				t.Fatal(err)
			}
			if got := buf.Len(); got >= resultPerCommandByte*len(cmd) {
				t.Fatalf("got a result of %d bytes for a command of %d, want less than %d times the command", got, len(cmd), resultPerCommandByte)
			}
		})
	}
}

func TestWireErrorIsCapped(t *testing.T) {
	w := ToWire(consensus.ApplyResult{Objects: []api.Object{&api.Pod{}}, Err: errors.New(strings.Repeat("x", 1<<20))})
	if len(w.Error) > maxWireError+100 {
		t.Errorf("got an error of %d bytes on the wire, want at most %d", len(w.Error), maxWireError+100)
	}
	if len(w.Written) != 0 {
		t.Errorf("got %d objects written by a failed command, want none", len(w.Written))
	}
}

// FuzzWireResult feeds arbitrary forwarded results to the decoder: it
// must not panic.
func FuzzWireResult(f *testing.F) {
	f.Add([]byte(`{"written":[{"kind":"ConfigMap","namespace":"default","name":"a","resourceVersion":"7"}],"code":"conflict","error":"x"}`))
	f.Add([]byte(`{"written":null,"code":"invalid","error":""}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var w WireResult
		if json.Unmarshal(body, &w) == nil {
			_, _ = w.Result()
		}
	})
}
