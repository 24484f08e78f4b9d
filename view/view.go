// Package view is the neutral, read-only view of cluster state that every
// part outside consensus reads: the API, the node reconciler, service NAT,
// DNS and ingress. It holds only the interface and the watch-event type, so
// that those parts never import consensus (or raft). A Raft replica
// (consensus.Store) implements it today; a replica fed by a watch stream can
// implement it later without its users noticing.
package view

import (
	"context"

	"github.com/shoal-dev/shoal/api"
)

// View is the narrow, local, read-only view of cluster state. Objects it
// returns are shared and must not be modified (api.DeepCopy them first).
type View interface {
	// Get returns one object by kind, namespace ("" for cluster-scoped
	// kinds) and name.
	Get(kind, namespace, name string) (api.Object, bool)
	// List returns the objects of a kind in a namespace ("" for every
	// namespace) whose labels match selector (nil for all), sorted by
	// namespace and name.
	List(kind, namespace string, selector map[string]string) []api.Object
	// Watch returns a channel of every write to objects of the given kinds
	// (every kind if none), in commit order, from the first write after
	// Watch returns. The channel closes when ctx ends or the watcher falls
	// too far behind; a client that still cares watches again, then lists.
	Watch(ctx context.Context, kinds ...string) <-chan Event
	// Index is the commit index of the last write applied.
	Index() uint64
}

// EventType says what happened to an object.
type EventType string

// Event types, as in Kubernetes watches.
const (
	Added    EventType = "ADDED"
	Modified EventType = "MODIFIED"
	Deleted  EventType = "DELETED"
)

// Event reports one write.
type Event struct {
	Type EventType
	// Object is the object as stored after the write; for Deleted it is the
	// object as it was last stored. It must not be modified.
	Object api.Object
	// Index is the commit index of the write.
	Index uint64
}
