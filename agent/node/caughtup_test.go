package node

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"
)

// lagRaft is a replica that catches up after behind calls to CaughtUp
// (never if behind is negative, as while quorum is lost).
type lagRaft struct {
	behind int
	calls  int
}

func (r *lagRaft) CaughtUp(context.Context, time.Duration) bool {
	r.calls++
	return r.behind >= 0 && r.calls > r.behind
}

func (r *lagRaft) LastContact() time.Time { return time.Time{} }

func TestAwaitCaughtUp(t *testing.T) {
	tests := []struct {
		name        string
		behind      int
		keepWaiting bool
		cancelAfter int // calls before ctx ends; 0 never
		want        bool
		wantCalls   int
	}{
		{name: "caught up at once", behind: 0, keepWaiting: true, want: true, wantCalls: 1},
		{name: "keeps waiting until caught up", behind: 3, keepWaiting: true, want: true, wantCalls: 4},
		{name: "new node goes ahead after one wait", behind: 3, keepWaiting: false, want: true, wantCalls: 1},
		{name: "quorum lost waits until ctx ends", behind: -1, keepWaiting: true, cancelAfter: 5, want: false, wantCalls: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			r := &lagRaft{behind: tt.behind}
			var raft Raft = r
			if tt.cancelAfter > 0 {
				raft = cancelRaft{r, cancel, tt.cancelAfter}
			}
			n := New(Config{Name: "n1", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Raft: raft})
			if got := n.awaitCaughtUp(ctx, "test", tt.keepWaiting); got != tt.want {
				t.Errorf("awaitCaughtUp = %v, want %v", got, tt.want)
			}
			if r.calls != tt.wantCalls {
				t.Errorf("CaughtUp called %d times, want %d", r.calls, tt.wantCalls)
			}
		})
	}
}

// cancelRaft ends ctx on the at-th call, as an agent shutting down does.
type cancelRaft struct {
	*lagRaft
	cancel context.CancelFunc
	at     int
}

func (r cancelRaft) CaughtUp(ctx context.Context, d time.Duration) bool {
	ok := r.lagRaft.CaughtUp(ctx, d)
	if r.calls == r.at {
		r.cancel()
	}
	return ok
}
