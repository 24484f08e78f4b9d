package pods

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// TestReporterWritesAtOnceThenGathers checks that the first status after
// a quiet spell is written at once, without waiting for more, and that
// the statuses queued while a write is under way wait reportDelay after
// it and are gathered into the next one, latest status per pod.
func TestReporterWritesAtOnceThenGathers(t *testing.T) {
	type call struct {
		pods    []string
		release chan struct{}
	}
	calls := make(chan call)
	sink := func(_ context.Context, batch []*api.Pod) error {
		var names []string
		for _, p := range batch {
			names = append(names, p.Name+":"+string(p.Status.Phase))
		}
		slices.Sort(names)
		c := call{pods: names, release: make(chan struct{})}
		calls <- c
		<-c.release
		return nil
	}
	r := newReporter(sink, slog.New(slog.NewTextHandler(io.Discard, nil)))
	// A frozen clock whose waits the test ends by hand.
	now := time.Unix(1700000000, 0)
	waits := make(chan time.Duration, 4)
	fire := make(chan time.Time)
	r.clock = clock{
		now:   func() time.Time { return now },
		after: func(d time.Duration) <-chan time.Time { waits <- d; return fire },
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	pod := func(name string, phase api.PodPhase) *api.Pod {
		return &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, UID: name}, Status: api.PodStatus{Phase: phase}}
	}
	next := func() call {
		t.Helper()
		select {
		case c := <-calls:
			return c
		case <-time.After(10 * time.Second):
			t.Fatal("no status write")
			return call{}
		}
	}

	r.set(pod("a", api.PodRunning))
	first := next() // at once: no wait asked for
	if len(waits) != 0 {
		t.Errorf("the first write waited %v", <-waits)
	}
	if want := []string{"a:Running"}; !slices.Equal(first.pods, want) {
		t.Errorf("first write %v, want %v", first.pods, want)
	}
	// While the first write is under way: three changes, two of one pod.
	r.set(pod("b", api.PodPending))
	r.set(pod("c", api.PodRunning))
	r.set(pod("b", api.PodRunning))
	close(first.release)
	select {
	case d := <-waits:
		if d != reportDelay {
			t.Errorf("waited %v after a write, want %v", d, reportDelay)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second write did not wait after the first")
	}
	fire <- now
	second := next()
	close(second.release)
	if want := []string{"b:Running", "c:Running"}; !slices.Equal(second.pods, want) {
		t.Errorf("second write %v, want %v (one write, latest status per pod)", second.pods, want)
	}
	select {
	case c := <-calls:
		close(c.release)
		t.Errorf("unexpected third write %v", c.pods)
	case <-waits:
		t.Error("a wait with nothing queued")
	case <-time.After(100 * time.Millisecond):
	}
}
