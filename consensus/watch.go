package consensus

import (
	"context"

	"github.com/shoal-dev/shoal/view"
)

// WatchBuffer is how many events a watcher may fall behind before the Store
// drops it.
const WatchBuffer = 1024

type watcher struct {
	ch    chan view.Event
	kinds map[string]bool // nil: every kind
	stop  func() bool     // stops the context.AfterFunc
}

// Watch returns a channel that receives an Event for every write to objects
// of the given kinds (every kind if none are given), in Raft order, starting
// with the first write applied after Watch returns.
//
// The channel is closed when ctx ends, when the watcher falls more than
// WatchBuffer events behind (Apply never waits for a watcher), and when a
// snapshot is restored, which replaces the whole state. Whatever the cause, a
// client that still cares must Watch again and then List, like a Kubernetes
// informer. To miss nothing, call Watch before List and treat ADDED and
// MODIFIED as upserts: events at or below the listed state repeat what the
// list already shows.
func (s *Store) Watch(ctx context.Context, kinds ...string) <-chan view.Event {
	w := &watcher{ch: make(chan view.Event, WatchBuffer)}
	if len(kinds) > 0 {
		w.kinds = make(map[string]bool, len(kinds))
		for _, k := range kinds {
			w.kinds[k] = true
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ctx.Err() != nil {
		close(w.ch)
		return w.ch
	}
	s.watchers[w] = struct{}{}
	w.stop = context.AfterFunc(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.dropLocked(w)
	})
	return w.ch
}

// notify sends the events of one committed command. It never blocks: a
// watcher whose buffer is full is dropped. The caller holds mu.
func (s *Store) notify(index uint64, changes []change) {
	if len(s.watchers) == 0 {
		return
	}
	for _, c := range changes {
		ev := view.Event{Index: index}
		switch {
		case c.old == nil:
			ev.Type, ev.Object = view.Added, c.new
		case c.new == nil:
			ev.Type, ev.Object = view.Deleted, c.old
		default:
			ev.Type, ev.Object = view.Modified, c.new
		}
		kind := ev.Object.GetTypeMeta().Kind
		for w := range s.watchers {
			if w.kinds != nil && !w.kinds[kind] {
				continue
			}
			select {
			case w.ch <- ev:
			default:
				s.dropLocked(w)
			}
		}
	}
}

// dropLocked closes and forgets w if it is still registered. The caller holds
// mu.
func (s *Store) dropLocked(w *watcher) {
	if _, ok := s.watchers[w]; !ok {
		return
	}
	delete(s.watchers, w)
	close(w.ch)
	w.stop()
}
