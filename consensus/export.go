package consensus

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hashicorp/raft"

	"github.com/shoal-dev/shoal/api"
)

// An exported snapshot (`shoal snapshot save`) is the FSM snapshot format
// (JSON lines: a header, then one object per line) followed by one
// exportTrailer line holding the SHA-256 of every byte before it, so that
// a truncated or altered file is refused before anything is restored.
type exportTrailer struct {
	SHA256 string `json:"sha256"`
}

// SnapshotInfo describes an exported snapshot.
type SnapshotInfo struct {
	// Index is the last Raft index the state reflects.
	Index uint64 `json:"index"`
	// Objects is how many objects it holds; Kinds counts them by kind.
	Objects int            `json:"objects"`
	Kinds   map[string]int `json:"kinds"`
}

// ErrBadSnapshot wraps every reason an exported snapshot is refused.
var ErrBadSnapshot = errors.New("not a valid Shoal snapshot")

// WriteSnapshot writes the replicated state to w as an exported snapshot.
// Leader only (ErrNotLeader elsewhere): it first waits (up to timeout)
// until every entry committed before the call is applied, so the file
// holds every write acknowledged before it was asked for.
func (n *Node) WriteSnapshot(w io.Writer, timeout time.Duration) (SnapshotInfo, error) {
	if !n.IsLeader() {
		return SnapshotInfo{}, ErrNotLeader
	}
	if err := n.raft.Barrier(timeout).Error(); err != nil {
		if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipLost) {
			return SnapshotInfo{}, ErrNotLeader
		}
		return SnapshotInfo{}, fmt.Errorf("wait for committed entries: %w", err)
	}
	index, objs := n.store.snapshot()
	return export(w, &fsmSnapshot{index: index, objects: objs})
}

// export writes s and its trailer to w.
func export(w io.Writer, s *fsmSnapshot) (SnapshotInfo, error) {
	h := sha256.New()
	if err := s.write(io.MultiWriter(w, h)); err != nil {
		return SnapshotInfo{}, fmt.Errorf("write snapshot: %w", err)
	}
	if err := json.NewEncoder(w).Encode(exportTrailer{SHA256: hex.EncodeToString(h.Sum(nil))}); err != nil {
		return SnapshotInfo{}, fmt.Errorf("write snapshot: %w", err)
	}
	info := SnapshotInfo{Index: s.index, Objects: len(s.objects), Kinds: map[string]int{}}
	for _, o := range s.objects {
		info.Kinds[api.KeyOf(o).Kind]++
	}
	return info, nil
}

// ReadExport checks an exported snapshot (its checksum, format and every
// object) and returns what it holds. drop, if not nil, names objects to
// leave out. The returned data is an FSM snapshot of the rest, ready for
// Config.Restore.
func ReadExport(file []byte, drop func(api.Key) bool) (data []byte, info SnapshotInfo, err error) {
	body, trailer, ok := cutLastLine(file)
	if !ok {
		return nil, info, fmt.Errorf("%w: no checksum line at the end (the file is empty or truncated)", ErrBadSnapshot)
	}
	var tr exportTrailer
	dec := json.NewDecoder(bytes.NewReader(trailer))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tr); err != nil || tr.SHA256 == "" {
		return nil, info, fmt.Errorf("%w: no checksum line at the end (the file is truncated or was not written by shoal snapshot save)", ErrBadSnapshot)
	}
	sum := sha256.Sum256(body)
	if got := hex.EncodeToString(sum[:]); got != tr.SHA256 {
		return nil, info, fmt.Errorf("%w: checksum mismatch (content SHA-256 %s, recorded %s): the file is corrupt", ErrBadSnapshot, got[:16], truncateHash(tr.SHA256))
	}
	t, index, _, err := readSnapshot(bufio.NewReader(bytes.NewReader(body)))
	if err != nil {
		return nil, info, fmt.Errorf("%w: %w", ErrBadSnapshot, err)
	}
	var kept []api.Object
	for _, kt := range t {
		for _, names := range kt.byNS {
			for _, o := range names {
				if drop == nil || !drop(api.KeyOf(o)) {
					kept = append(kept, o)
				}
			}
		}
	}
	var buf bytes.Buffer
	s := &fsmSnapshot{index: index, objects: kept}
	if err := s.write(&buf); err != nil {
		return nil, info, fmt.Errorf("re-encode snapshot: %w", err)
	}
	info = SnapshotInfo{Index: index, Objects: len(kept), Kinds: map[string]int{}}
	for _, o := range kept {
		info.Kinds[api.KeyOf(o).Kind]++
	}
	return buf.Bytes(), info, nil
}

// cutLastLine splits b, which must end in a newline, before its last line.
func cutLastLine(b []byte) (body, last []byte, ok bool) {
	if len(b) == 0 || b[len(b)-1] != '\n' {
		return nil, nil, false
	}
	i := bytes.LastIndexByte(b[:len(b)-1], '\n')
	if i < 0 {
		return nil, nil, false
	}
	return b[:i+1], b[i+1:], true
}

func truncateHash(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}

// writeRestore puts the FSM snapshot data into snaps as the only state of
// a new single-voter cluster made of self: Raft restores it on start, and
// the node elects itself.
func writeRestore(snaps raft.SnapshotStore, trans raft.Transport, self raft.Configuration, data []byte) error {
	_, index, _, err := readSnapshot(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadSnapshot, err)
	}
	index = max(index, 1)
	sink, err := snaps.Create(raft.SnapshotVersionMax, index, 1, self, index, trans)
	if err != nil {
		return fmt.Errorf("create raft snapshot: %w", err)
	}
	if _, err := sink.Write(data); err != nil {
		_ = sink.Cancel()
		return fmt.Errorf("write raft snapshot: %w", err)
	}
	if err := sink.Close(); err != nil {
		return fmt.Errorf("write raft snapshot: %w", err)
	}
	return nil
}
