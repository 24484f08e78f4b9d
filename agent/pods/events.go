package pods

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// EventSink writes and deletes Event objects.
type EventSink interface {
	PutEvents(ctx context.Context, events []*api.Event) error
	DeleteEvents(ctx context.Context, keys []api.Key) error
}

// eventTTL is how long the recorder remembers an event to count repeats.
const eventTTL = time.Hour

// recorder turns what workers report into Event objects, counting
// repeats, and writes them in batches.
type recorder struct {
	sink   EventSink
	node   string
	logger *slog.Logger

	mu      sync.Mutex
	known   map[string]*api.Event // by name
	pending map[string]bool
	kick    chan struct{}
}

func newRecorder(sink EventSink, node string, logger *slog.Logger) *recorder {
	return &recorder{sink: sink, node: node, logger: logger, known: map[string]*api.Event{}, pending: map[string]bool{}, kick: make(chan struct{}, 1)}
}

// record notes that reason happened to pod (and container, if set).
func (r *recorder) record(pod *api.Pod, container, typ, reason, msg string) {
	if r == nil || r.sink == nil {
		return
	}
	h := sha256.Sum256([]byte(pod.UID + "\x00" + container + "\x00" + reason + "\x00" + msg))
	name := api.EventName(pod.Name, hex.EncodeToString(h[:6]))
	// Full precision: describe orders events that share a second.
	now := time.Now().UTC()
	r.mu.Lock()
	e, ok := r.known[name]
	if ok {
		e = api.DeepCopy(e)
		e.Count++
		e.LastTimestamp = &now
	} else {
		obj, _ := api.New("Event")
		e = obj.(*api.Event)
		e.Name, e.Namespace = name, pod.Namespace
		e.InvolvedObject = api.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID}
		if container != "" {
			e.InvolvedObject.FieldPath = "spec.containers{" + container + "}"
		}
		e.Reason, e.Message, e.Type, e.Count = reason, msg, typ, 1
		first := now
		e.FirstTimestamp, e.LastTimestamp = &first, &now
		e.Source = api.EventSource{Component: "shoal-agent", Host: r.node}
	}
	r.known[name] = e
	r.pending[name] = true
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// forget deletes the events of a pod that left the node.
func (r *recorder) forget(ctx context.Context, uid string) {
	if r == nil || r.sink == nil {
		return
	}
	r.mu.Lock()
	var keys []api.Key
	for name, e := range r.known {
		if e.InvolvedObject.UID == uid {
			keys = append(keys, api.Key{Kind: "Event", Namespace: e.Namespace, Name: name})
			delete(r.known, name)
			delete(r.pending, name)
		}
	}
	r.mu.Unlock()
	if len(keys) == 0 {
		return
	}
	if err := r.sink.DeleteEvents(ctx, keys); err != nil {
		r.logger.Debug("delete events", "err", err)
	}
}

// Run writes recorded events until ctx ends.
func (r *recorder) Run(ctx context.Context) error {
	if r == nil || r.sink == nil {
		<-ctx.Done()
		return nil
	}
	return gather(ctx, r.kick, func() {
		r.mu.Lock()
		var batch []*api.Event
		for name := range r.pending {
			batch = append(batch, r.known[name])
		}
		clear(r.pending)
		for name, e := range r.known {
			if time.Since(*e.LastTimestamp) > eventTTL {
				delete(r.known, name)
			}
		}
		r.mu.Unlock()
		if len(batch) == 0 {
			return
		}
		if err := r.sink.PutEvents(ctx, batch); err != nil {
			r.logger.Debug("write events", "err", err)
		}
	})
}
