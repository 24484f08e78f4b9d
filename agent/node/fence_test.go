package node

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// contactRaft reports a last leader contact the test sets.
type contactRaft struct {
	mu   sync.Mutex
	last time.Time
}

func (r *contactRaft) CaughtUp(context.Context, time.Duration) bool { return true }
func (r *contactRaft) LastContact() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}
func (r *contactRaft) set(t time.Time) {
	r.mu.Lock()
	r.last = t
	r.mu.Unlock()
}

func TestFenceMonitor(t *testing.T) {
	r := &contactRaft{last: time.Now()}
	n := New(Config{Name: "n1", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Raft: r})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- n.RunFenceMonitor(ctx, time.Minute) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunFenceMonitor: %v", err)
		}
	}()
	wait := func(want bool) {
		t.Helper()
		giveUp := time.After(10 * time.Second)
		for n.Fenced() != want {
			select {
			case <-giveUp:
				t.Fatalf("got Fenced() = %v, want %v", n.Fenced(), want)
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	r.set(time.Now().Add(-time.Hour))
	wait(true)
	r.set(time.Now().Add(time.Hour)) // a leader was heard from
	wait(false)
}

func TestChanged(t *testing.T) {
	tests := []struct {
		name               string
		old, now, capacity int64
		want               bool
	}{
		{"no change", 500, 500, 1000, false},
		{"2% is not worth gossiping", 500, 480, 1000, false},
		{"over 2% down", 500, 479, 1000, true},
		{"over 2% up", 500, 521, 1000, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := changed(tt.old, tt.now, tt.capacity); got != tt.want {
				t.Errorf("changed(%d, %d, %d): got %v, want %v", tt.old, tt.now, tt.capacity, got, tt.want)
			}
		})
	}
}
