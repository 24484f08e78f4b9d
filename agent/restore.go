package agent

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// maxSnapshotFile bounds the snapshot file a restore reads into memory.
const maxSnapshotFile = 4 << 30

// readRestore reads and checks the snapshot file of --restore before the
// agent touches its data dir, so a bad file changes nothing. The data dir
// must hold no cluster identity and no Raft state: a restore starts a new
// cluster, with a new CA and new tokens, from the state in the file.
//
// The file's ClusterAuth (the hashes of the old cluster's tokens and its
// CA certificates) is left out: the new cluster's first leader records
// its own, so the old tokens and node certificates are not accepted.
func readRestore(file, dataDir string) ([]byte, consensus.SnapshotInfo, error) {
	var info consensus.SnapshotInfo
	if err := emptyForRestore(dataDir); err != nil {
		return nil, info, err
	}
	st, err := os.Stat(file)
	if err != nil {
		return nil, info, fmt.Errorf("--restore: %w", err)
	}
	if st.Size() > maxSnapshotFile {
		return nil, info, fmt.Errorf("--restore %s: %d bytes, more than the %d a snapshot can hold", file, st.Size(), maxSnapshotFile)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, info, fmt.Errorf("--restore: %w", err)
	}
	data, info, err := consensus.ReadExport(b, func(k api.Key) bool { return k.Kind == "ClusterAuth" })
	if err != nil {
		return nil, info, fmt.Errorf("--restore %s: %w; nothing was changed", file, err)
	}
	return data, info, nil
}

// emptyForRestore checks that dataDir holds no identity and no Raft state.
func emptyForRestore(dataDir string) error {
	for _, name := range []string{fileNodeCert, fileCACert, dirRaft} {
		_, err := os.Stat(filepath.Join(dataDir, name))
		if err == nil {
			return fmt.Errorf("--restore: data dir %s already holds a cluster (%s); restore onto an empty data dir (a fresh machine, or move this one aside)", dataDir, name)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("--restore: %w", err)
		}
	}
	return nil
}
