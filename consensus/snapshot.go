package consensus

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/hashicorp/raft"

	"github.com/shoal-dev/shoal/api"
)

// snapshotFormat is the version in the first line of every snapshot.
const snapshotFormat = 1

// A snapshot is JSON lines: one snapshotHeader, then one wireObject per
// object, sorted by kind, namespace and name, so equal states give equal
// bytes.
type snapshotHeader struct {
	Format  int    `json:"format"`
	Index   uint64 `json:"index"`
	Objects int    `json:"objects"`
}

// fsmSnapshot is an immutable view of the Store: the stored objects never
// change, so holding their pointers is enough.
type fsmSnapshot struct {
	index   uint64
	objects []api.Object
}

// Snapshot captures the current state cheaply; the work happens in Persist,
// which runs concurrently with Apply.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	index, objs := f.store.snapshot()
	return &fsmSnapshot{index: index, objects: objs}, nil
}

// Persist writes the snapshot to sink, closing it on success and cancelling
// it on any error.
func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if err := s.write(sink); err != nil {
		if cerr := sink.Cancel(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("cancel snapshot: %w", cerr))
		}
		return fmt.Errorf("persist snapshot: %w", err)
	}
	if err := sink.Close(); err != nil {
		return fmt.Errorf("persist snapshot: close: %w", err)
	}
	return nil
}

func (s *fsmSnapshot) write(w io.Writer) error {
	slices.SortFunc(s.objects, func(a, b api.Object) int {
		ka, kb := api.KeyOf(a), api.KeyOf(b)
		return cmp.Or(cmp.Compare(ka.Kind, kb.Kind), cmp.Compare(ka.Namespace, kb.Namespace), cmp.Compare(ka.Name, kb.Name))
	})
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(snapshotHeader{Format: snapshotFormat, Index: s.index, Objects: len(s.objects)}); err != nil {
		return err
	}
	for _, obj := range s.objects {
		wo, err := toWire(obj)
		if err != nil {
			return fmt.Errorf("%s: %w", api.KeyOf(obj), err)
		}
		if err := enc.Encode(wo); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// Release does nothing: the snapshot holds no resources.
func (s *fsmSnapshot) Release() {}

// Restore replaces the Store's state with the snapshot in rc, which it
// closes. The snapshot is read completely before anything is swapped, so a
// bad snapshot leaves the state as it was. Every watcher is closed afterwards
// (see Store.Watch): the state may have jumped arbitrarily, and listing again
// is how clients resync.
func (f *FSM) Restore(rc io.ReadCloser) error {
	// Closing a snapshot we only read cannot lose data.
	defer func() { _ = rc.Close() }()
	start := time.Now()
	t, index, n, err := readSnapshot(bufio.NewReaderSize(rc, 64<<10))
	if err != nil {
		return fmt.Errorf("restore snapshot: %w", err)
	}
	f.store.replace(t, index)
	f.logger.Info("restored snapshot", "index", index, "objects", n, "seconds", time.Since(start).Seconds())
	return nil
}

func readSnapshot(r io.Reader) (t tables, index uint64, n int, err error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var h snapshotHeader
	if err := dec.Decode(&h); err != nil {
		return nil, 0, 0, fmt.Errorf("header: %w", err)
	}
	if h.Format != snapshotFormat {
		return nil, 0, 0, fmt.Errorf("unsupported snapshot format %d", h.Format)
	}
	t = tables{}
	for {
		var wo wireObject
		if err := dec.Decode(&wo); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, 0, 0, fmt.Errorf("object %d: %w", n, err)
		}
		obj, err := fromWire(wo)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("object %d: %w", n, err)
		}
		key := api.KeyOf(obj)
		if err := validateKey(key); err != nil {
			return nil, 0, 0, fmt.Errorf("object %d: %w", n, err)
		}
		if t.get(key) != nil {
			return nil, 0, 0, fmt.Errorf("object %d: %s twice", n, key)
		}
		t.add(obj)
		n++
	}
	if n != h.Objects {
		return nil, 0, 0, fmt.Errorf("got %d objects, header says %d", n, h.Objects)
	}
	return t, h.Index, n, nil
}
