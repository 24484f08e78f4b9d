package view

import (
	"context"
	"time"
)

// MaxRebuildPause bounds the pause Follow makes between rebuilds.
const MaxRebuildPause = 150 * time.Millisecond

// Follow calls rebuild once, then after every batch of writes to objects
// of kinds (events already queued are taken together), until ctx ends. It
// is the loop of every snapshot the node side keeps (DNS names, ingress
// routes). Under sustained churn a rebuild runs at most a quarter of the
// time: the next batch waits three rebuilds' worth (at most
// MaxRebuildPause), so a change still shows within about 0.2 s. When the
// watch closes because it fell behind, Follow watches again and rebuilds.
func Follow(ctx context.Context, v View, rebuild func(), kinds ...string) error {
	for ctx.Err() == nil {
		ch := v.Watch(ctx, kinds...)
		rebuild() // whatever changed before the watch started
		for open := true; open; {
			select {
			case <-ctx.Done():
				return nil
			case _, ok := <-ch:
				if !ok {
					open = false
					break
				}
				open = drain(ch)
				start := time.Now()
				rebuild()
				t := time.NewTimer(min(3*time.Since(start), MaxRebuildPause))
				select {
				case <-ctx.Done():
					t.Stop()
					return nil
				case <-t.C:
				}
			}
		}
	}
	return nil
}

// drain takes the events already queued on ch; false if ch closed.
func drain(ch <-chan Event) bool {
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return false
			}
		default:
			return true
		}
	}
}
