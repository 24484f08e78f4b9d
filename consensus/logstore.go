package consensus

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	wal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/metadb"
)

// Where a Node keeps its Raft log and stable state (term, vote) in its
// Dir. A data dir made by this version holds a write-ahead log (one
// fdatasync per append) in walDir; one made before it holds raft.db
// (bolt, two fdatasyncs per append) and keeps it: the store is never
// converted, and the choice is logged at every start.
const (
	boltFile = "raft.db"
	walDir   = "wal"
)

// Log store kinds, as logged at start and reported by Node.LogStore.
const (
	LogStoreWAL  = "wal"
	LogStoreBolt = "bolt"
)

// logStore is a Raft log store that is also its stable store.
type logStore interface {
	raft.LogStore
	raft.StableStore
	Close() error
}

// openLogStore opens the log and stable store in dir: bolt if dir holds
// raft.db (a data dir from before the WAL), the WAL in dir/wal otherwise
// (creating it for a new data dir). It refuses a dir holding both, since
// it cannot tell which one has the node's log.
func openLogStore(dir string, hlog hclog.Logger, logger *slog.Logger) (logStore, string, error) {
	boltPath, walPath := filepath.Join(dir, boltFile), filepath.Join(dir, walDir)
	hasBolt, err := exists(boltPath)
	if err != nil {
		return nil, "", err
	}
	hasWAL, err := exists(walPath)
	if err != nil {
		return nil, "", err
	}
	switch {
	case hasBolt && hasWAL:
		return nil, "", fmt.Errorf("raft dir %s holds both %s and %s: cannot tell which has this node's log; move the one not in use away", dir, boltFile, walDir)
	case hasBolt:
		s, err := raftboltdb.New(raftboltdb.Options{Path: boltPath})
		if err != nil {
			return nil, "", fmt.Errorf("open raft log store %s: %w", boltPath, err)
		}
		logger.Info("raft log store: bolt (data dir from before the write-ahead log; kept as it is)", "path", boltPath)
		return s, LogStoreBolt, nil
	default:
		if err := os.MkdirAll(walPath, 0o700); err != nil {
			return nil, "", fmt.Errorf("raft log dir: %w", err)
		}
		meta := &metadb.BoltMetaDB{}
		w, err := wal.Open(walPath, wal.WithLogger(hlog.Named("wal")), wal.WithMetaStore(meta))
		if err != nil {
			return nil, "", errors.Join(fmt.Errorf("open raft log store %s: %w", walPath, err), meta.Close())
		}
		logger.Info("raft log store: write-ahead log", "path", walPath, "new", !hasWAL)
		return &walStore{WAL: w, meta: meta}, LogStoreWAL, nil
	}
}

// walStore is the write-ahead log with its meta store (segment list and
// the stable store's keys, a small bolt file).
type walStore struct {
	*wal.WAL
	meta *metadb.BoltMetaDB
}

// Close closes the log and its meta store. raft-wal v0.4.0's Close left
// the meta store open (and locked: opening the dir again waited for
// ever); v0.4.2 closes it, and a second Close is a no-op, so this holds
// whichever version is built.
func (s *walStore) Close() error {
	return errors.Join(s.WAL.Close(), s.meta.Close())
}

// exists reports whether path exists.
func exists(path string) (bool, error) {
	_, err := os.Lstat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("raft dir: %w", err)
	}
}
