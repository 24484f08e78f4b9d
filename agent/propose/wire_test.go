package propose

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

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
			w, err := ToWire(consensus.ApplyResult{Objects: []api.Object{cm}, Err: tt.err})
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(w)
			if err != nil {
				t.Fatal(err)
			}
			var back WireResult
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			res, err := back.Result()
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Objects) != 1 || api.KeyOf(res.Objects[0]) != api.KeyOf(cm) || res.Objects[0].GetObjectMeta().ResourceVersion != "7" {
				t.Errorf("got objects %v, want the config map at resourceVersion 7", res.Objects)
			}
			switch {
			case tt.err == nil && res.Err != nil:
				t.Errorf("got error %v, want none", res.Err)
			case tt.wantIs != nil && !errors.Is(res.Err, tt.wantIs):
				t.Errorf("got error %v, want one wrapping %v", res.Err, tt.wantIs)
			case tt.wantMsg != "" && (res.Err == nil || res.Err.Error() != tt.wantMsg):
				t.Errorf("got error %v, want %q", res.Err, tt.wantMsg)
			}
		})
	}
}

// FuzzWireResult feeds arbitrary forwarded results to the decoder: it
// must not panic.
func FuzzWireResult(f *testing.F) {
	f.Add([]byte(`{"objects":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}],"code":"conflict","error":"x"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var w WireResult
		if json.Unmarshal(body, &w) == nil {
			_, _ = w.Result()
		}
	})
}
