package consensus

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

// pod builds a Pod from JSON. The api package may not have Pod yet; the
// status tests skip until it does (ConfigMap, the only kind guaranteed
// here, has no status).
func pod(t *testing.T, name, phase string, labels map[string]string) api.Object {
	t.Helper()
	obj, err := api.New("Pod")
	if err != nil {
		t.Skip("api has no Pod kind yet; status modes are covered only by the ConfigMap ErrInvalid case")
	}
	doc := map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"namespace": "default", "name": name, "labels": labels},
	}
	if phase != "" {
		doc["status"] = map[string]any{"phase": phase}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, obj); err != nil {
		t.Fatalf("decode pod: %v", err)
	}
	if phase != "" && podPhase(t, obj) != phase {
		t.Skip("api.Pod has no status.phase")
	}
	return obj
}

func podPhase(t *testing.T, obj api.Object) string {
	t.Helper()
	fields, err := jsonFields(obj)
	if err != nil {
		t.Fatal(err)
	}
	var st struct{ Phase string }
	if raw, ok := fields["status"]; ok {
		if err := json.Unmarshal(raw, &st); err != nil {
			t.Fatal(err)
		}
	}
	return st.Phase
}

func TestStatusModes(t *testing.T) {
	pod(t, "probe", "Running", nil) // skips the test if api has no usable Pod yet
	if !hasStatus("Pod") {
		t.Fatalf("api.Pod has a status but hasStatus says no")
	}
	tests := []struct {
		name      string
		steps     func(t *testing.T, h *harness) ApplyResult
		wantPhase string
		wantLabel string
		wantGen   int64
		wantErr   error
	}{
		{"apply on create drops status", func(t *testing.T, h *harness) ApplyResult {
			return h.put(ModeApply, pod(t, "p", "Running", map[string]string{"v": "1"}))
		}, "", "1", 1, nil},
		{"replace on create keeps status", func(t *testing.T, h *harness) ApplyResult {
			return h.put(ModeReplace, pod(t, "p", "Pending", map[string]string{"v": "1"}))
		}, "Pending", "1", 1, nil},
		{"apply keeps stored status", func(t *testing.T, h *harness) ApplyResult {
			h.mustPut(ModeReplace, pod(t, "p", "Running", map[string]string{"v": "1"}))
			return h.put(ModeApply, pod(t, "p", "Failed", map[string]string{"v": "2"}))
		}, "Running", "2", 1, nil},
		{"status replaces only status", func(t *testing.T, h *harness) ApplyResult {
			h.mustPut(ModeReplace, pod(t, "p", "Pending", map[string]string{"v": "1"}))
			return h.put(ModeStatus, pod(t, "p", "Running", map[string]string{"v": "2"}))
		}, "Running", "1", 1, nil},
		{"status of a missing object", func(t *testing.T, h *harness) ApplyResult {
			return h.put(ModeStatus, pod(t, "p", "Running", nil))
		}, "", "", 0, ErrNotFound},
		{"status with stale resourceVersion", func(t *testing.T, h *harness) ApplyResult {
			h.mustPut(ModeReplace, pod(t, "p", "Pending", nil))
			return h.put(ModeStatus, withRV(pod(t, "p", "Running", nil), "5"))
		}, "", "", 0, ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			res := tt.steps(t, h)
			if !errors.Is(res.Err, tt.wantErr) || (tt.wantErr == nil && res.Err != nil) {
				t.Fatalf("got error %v, want %v", res.Err, tt.wantErr)
			}
			if tt.wantErr != nil {
				return
			}
			got := res.Objects[0]
			if p := podPhase(t, got); p != tt.wantPhase {
				t.Errorf("got phase %q, want %q", p, tt.wantPhase)
			}
			if l := got.GetObjectMeta().Labels["v"]; l != tt.wantLabel {
				t.Errorf("got label v=%q, want %q", l, tt.wantLabel)
			}
			if g := got.GetObjectMeta().Generation; g != tt.wantGen {
				t.Errorf("got generation %d, want %d", g, tt.wantGen)
			}
		})
	}
}
