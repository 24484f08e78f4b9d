package consensus

import (
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/hashicorp/raft"

	"github.com/shoal-dev/shoal/api"
)

// ApplyResult is what FSM.Apply returns for a command, and so the response
// of the raft.ApplyFuture on the node that proposed it.
type ApplyResult struct {
	// Objects are, for a Put, the objects as stored, one per input object
	// (unchanged ones included); for a Delete, the deleted objects as last
	// stored. They must not be modified.
	Objects []api.Object
	// Err is nil, or wraps ErrConflict, ErrNotFound or ErrInvalid (an
	// object that fails to re-encode would give another error, but stored
	// objects always encode); the command then changed nothing.
	Err error
}

// FSM applies committed Raft log entries to a Store. It is the only writer
// of the Store.
type FSM struct {
	store  *Store
	logger *slog.Logger
	// onBatch, if set (tests only), hears the size of every ApplyBatch.
	onBatch atomic.Pointer[func(n int)]
}

var (
	_ raft.FSM         = (*FSM)(nil)
	_ raft.BatchingFSM = (*FSM)(nil)
)

// NewFSM returns an FSM that writes to store. A nil logger discards logs.
func NewFSM(store *Store, logger *slog.Logger) *FSM {
	if store == nil {
		panic("consensus: NewFSM with nil store")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &FSM{store: store, logger: logger}
}

// Apply applies one committed log entry and returns an ApplyResult.
//
// An entry that cannot be decoded (unknown command type, bad payload, unknown
// kind) panics. Skipping it would leave this replica different from the ones
// that could apply it, and every later entry would then be applied to the
// wrong state; crashing loudly is the only safe answer, and the fix is to run
// a binary that understands the log.
func (f *FSM) Apply(l *raft.Log) interface{} {
	cmd, err := DecodeCommand(l.Data)
	if err != nil {
		panic(fmt.Sprintf("consensus: cannot apply raft log entry %d (term %d): %v; "+
			"replicas must stay identical, so this replica stops", l.Index, l.Term, err))
	}
	var res ApplyResult
	switch c := cmd.(type) {
	case Put:
		res.Objects, res.Err = f.store.applyPut(l.Index, c)
	case Delete:
		res.Objects, res.Err = f.store.applyDelete(l.Index, c)
	default:
		panic(fmt.Sprintf("consensus: raft log entry %d: command %T has no apply", l.Index, cmd))
	}
	return res
}

// ApplyBatch applies entries in order, each as Apply would, and returns one
// response per entry: an entry that fails its checks fails alone, and each
// entry sees the writes of the entries before it. Raft hands the FSM the
// entries of a group commit together. Configuration entries change no
// state but still advance the Store's index.
func (f *FSM) ApplyBatch(logs []*raft.Log) []interface{} {
	if h := f.onBatch.Load(); h != nil {
		(*h)(len(logs))
	}
	out := make([]interface{}, len(logs))
	for i, l := range logs {
		if l.Type != raft.LogCommand {
			f.store.advance(l.Index)
			continue
		}
		out[i] = f.Apply(l)
	}
	return out
}
