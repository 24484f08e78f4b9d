package faults

import (
	"strings"
	"testing"
	"time"
)

// raftOp is a compact operation for the checker's unit tests.
type raftOp struct {
	write     bool
	key, val  string
	call, ret int64
}

func raftHistoryOf(ops ...raftOp) *raftHistory {
	h := newRaftHistory()
	for i, o := range ops {
		h.add(i, raftInput{Key: o.key, Write: o.write, Value: o.val}, raftOutput{Value: o.val}, o.call, o.ret)
	}
	return h
}

func put(key, val string, call, ret int64) raftOp {
	return raftOp{write: true, key: key, val: val, call: call, ret: ret}
}

func get(key, val string, call, ret int64) raftOp {
	return raftOp{key: key, val: val, call: call, ret: ret}
}

// TestRaftCheckerAcceptsAndRejects: the checker accepts linearizable
// histories (concurrent operations in either order, writes of unknown
// outcome taking effect or not) and rejects ones no order explains (a
// stale read, a value coming back after being overwritten, a read of a
// value never written, a lost acknowledged write).
func TestRaftCheckerAcceptsAndRejects(t *testing.T) {
	u := int64(raftUnknown)
	tests := []struct {
		name    string
		ops     []raftOp
		wantErr string
	}{
		{"sequential", []raftOp{put("a", "1", 0, 10), get("a", "1", 20, 30), put("a", "2", 40, 50), get("a", "2", 60, 70)}, ""},
		{"absent before any write", []raftOp{get("a", "", 0, 10), put("a", "1", 20, 30)}, ""},
		{"concurrent read sees the new value", []raftOp{put("a", "1", 0, 10), put("a", "2", 20, 50), get("a", "2", 30, 40)}, ""},
		{"concurrent read sees the old value", []raftOp{put("a", "1", 0, 10), put("a", "2", 20, 50), get("a", "1", 30, 40)}, ""},
		{"unknown write took effect", []raftOp{put("a", "1", 0, 10), put("a", "2", 20, u), get("a", "2", 100, 110)}, ""},
		{"unknown write never took effect", []raftOp{put("a", "1", 0, 10), put("a", "2", 20, u), get("a", "1", 100, 110)}, ""},
		{"keys are independent", []raftOp{put("a", "1", 0, 10), put("b", "x", 0, 10), get("b", "x", 20, 30), get("a", "1", 20, 30)}, ""},
		{"stale read", []raftOp{put("a", "1", 0, 10), put("a", "2", 20, 30), get("a", "1", 40, 50)}, "not linearizable"},
		{"read of nothing after an acknowledged write", []raftOp{put("a", "1", 0, 10), get("a", "", 20, 30)}, "not linearizable"},
		{"value comes back", []raftOp{put("a", "1", 0, 100), put("a", "2", 0, 100), get("a", "1", 110, 120), get("a", "2", 130, 140), get("a", "1", 150, 160)}, "not linearizable"},
		{"read of a value never written", []raftOp{put("a", "1", 0, 10), get("a", "7", 20, 30)}, "not linearizable"},
		{"reads disagree on order", []raftOp{put("a", "1", 0, 100), put("a", "2", 0, 100), get("a", "1", 10, 20), get("a", "2", 10, 20), get("a", "1", 30, 40), get("a", "2", 50, 60)}, "not linearizable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := raftHistoryOf(tt.ops...).check(10 * time.Second)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want linearizable", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestRaftLostWrites(t *testing.T) {
	u := int64(raftUnknown)
	tests := []struct {
		name  string
		ops   []raftOp
		final map[string]string
		want  int
	}{
		{"last acknowledged write stays", []raftOp{put("a", "1", 0, 10), put("a", "2", 20, 30)}, map[string]string{"a": "2"}, 0},
		{"concurrent writes end either way", []raftOp{put("a", "1", 0, 30), put("a", "2", 10, 20)}, map[string]string{"a": "1"}, 0},
		{"unknown write may win", []raftOp{put("a", "1", 0, 10), put("a", "2", 20, u)}, map[string]string{"a": "2"}, 0},
		{"overwritten by an older write", []raftOp{put("a", "1", 0, 10), put("a", "2", 20, 30)}, map[string]string{"a": "1"}, 1},
		{"key gone", []raftOp{put("a", "1", 0, 10)}, map[string]string{"a": ""}, 1},
		{"key not read at the end", []raftOp{put("a", "1", 0, 10)}, map[string]string{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := raftHistoryOf(tt.ops...).lostWrites(tt.final); len(got) != tt.want {
				t.Fatalf("got lost writes %q, want %d", got, tt.want)
			}
		})
	}
}
