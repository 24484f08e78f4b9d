package apiserver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/consensus"
)

// Snapshotter writes the replicated state as an exported snapshot (the
// agent's consensus.Node).
type Snapshotter interface {
	// WriteSnapshot writes the state to w once every committed write is
	// applied; leader only (consensus.ErrNotLeader elsewhere).
	WriteSnapshot(w io.Writer, timeout time.Duration) (consensus.SnapshotInfo, error)
}

// snapshotBarrierTimeout bounds the wait for committed entries before a
// snapshot is taken.
const snapshotBarrierTimeout = 10 * time.Second

// Headers of the answer of GET /v1/snapshot.
const (
	HeaderSnapshotIndex   = "Shoal-Snapshot-Index"
	HeaderSnapshotObjects = "Shoal-Snapshot-Objects"
)

// snapshot serves GET /v1/snapshot on the leader: the whole replicated
// state, Secrets and the token hashes included, in the format `shoal
// snapshot save` writes and an agent's --restore reads. It is built in
// memory first (the state is in memory anyway), so an error is an error
// answer, never a cut-off file.
func (s *Server) snapshot(w http.ResponseWriter, _ *http.Request) {
	if s.cfg.Snapshots == nil {
		writeError(w, http.StatusNotImplemented, errors.New("this agent does not export snapshots"))
		return
	}
	var buf bytes.Buffer
	info, err := s.cfg.Snapshots.WriteSnapshot(&buf, snapshotBarrierTimeout)
	if errors.Is(err, consensus.ErrNotLeader) {
		writeError(w, http.StatusServiceUnavailable, errors.New("leadership moved while taking the snapshot; try again"))
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Errorf("snapshot: %w", err))
		return
	}
	s.log.Info("exported a snapshot", "index", info.Index, "objects", info.Objects, "bytes", buf.Len())
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Header().Set(HeaderSnapshotIndex, strconv.FormatUint(info.Index, 10))
	w.Header().Set(HeaderSnapshotObjects, strconv.Itoa(info.Objects))
	// A client that goes away mid-answer gets a file its checksum refuses.
	_, _ = w.Write(buf.Bytes())
}
