package node

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/view"
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

// indexView is a replica whose applied index the test sets; only Index
// is used.
type indexView struct {
	view.View
	index atomic.Uint64
}

func (v *indexView) Index() uint64 { return v.index.Load() }

// rejoinProposer commits the rejoin event at index 100, or fails while
// down is set.
type rejoinProposer struct {
	down  atomic.Bool
	calls atomic.Int64
	event atomic.Pointer[api.Event]
}

func (p *rejoinProposer) Propose(_ context.Context, cmd consensus.Command) ([]api.Written, error) {
	p.calls.Add(1)
	if p.down.Load() {
		return nil, errors.New("no raft leader reachable")
	}
	put := cmd.(consensus.Put)
	p.event.Store(put.Objects[0].(*api.Event))
	return []api.Written{{Key: api.KeyOf(put.Objects[0]), ResourceVersion: "100"}}, nil
}

// The fence goes up when no leader was heard for fenceAfter, and comes
// down only once contact is back and the replica has applied a write
// made through the leader after that (not on contact alone: a heartbeat
// reaches a replica that is still behind).
func TestFenceMonitor(t *testing.T) {
	r := &contactRaft{last: time.Now()}
	v := &indexView{}
	v.index.Store(10)
	p := &rejoinProposer{}
	n := New(Config{Name: "n1", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Raft: r, View: v, Proposer: p})
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
	stays := func(what string) {
		t.Helper()
		time.Sleep(600 * time.Millisecond)
		if !n.Fenced() {
			t.Fatalf("%s: the fence came down", what)
		}
	}
	r.set(time.Now().Add(-time.Hour))
	wait(true)
	p.down.Store(true)
	r.set(time.Now().Add(time.Hour)) // a leader was heard from
	stays("contact, but no write through the leader")
	p.down.Store(false)
	calls := p.calls.Load()
	stays("the rejoin event committed, the replica at index 10 of 100")
	if p.calls.Load() == calls {
		t.Fatal("no rejoin event was written after the leader came back")
	}
	v.index.Store(100)
	wait(false)
	ev := p.event.Load()
	if ev.InvolvedObject.Kind != "Node" || ev.InvolvedObject.Name != "n1" || ev.Source.Host != "n1" || ev.Reason != "Rejoined" {
		t.Errorf("rejoin event: got %+v", ev)
	}
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
