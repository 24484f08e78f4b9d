package agent

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// Modes of the data dir and of the files in it that hold secrets or
// cluster state.
const (
	dataDirMode    os.FileMode = 0o700
	secretFileMode os.FileMode = 0o600
)

// secretFiles are the data dir's files whose mode secureDataDir enforces.
var secretFiles = []string{fileCACert, fileSignerCert, fileCAKey, fileNodeCert, fileNodeCert + ".next", fileNodeKey, fileToken, fileWorkerToken, fileAdminToken, fileGossipKey, filePeers, fileSettings}

// secureDataDir makes dir (creating it if need be) mode 0700 and the
// identity files in it 0600, whatever they were: an operator's mkdir or
// umask, a restore from backup or a copy can leave them readable by
// others, and the CA key and token in there admit nodes to the cluster.
// A mode it had to fix is logged, since the files may have been read.
// dir must be a directory owned by this user.
func secureDataDir(dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, dataDirMode); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("data dir %s is not a directory", dir)
	}
	if err := fixMode(dir, st, dataDirMode, log); err != nil {
		return err
	}
	for _, name := range secretFiles {
		path := filepath.Join(dir, name)
		st, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
		if !st.Mode().IsRegular() {
			return fmt.Errorf("data dir file %s is not a regular file (mode %s); remove it or restore it from a backup", path, st.Mode())
		}
		if err := fixMode(path, st, secretFileMode, log); err != nil {
			return err
		}
	}
	return nil
}

// fixMode sets path, whose stat is st, to want if its permission bits
// grant more than want does.
func fixMode(path string, st fs.FileInfo, want os.FileMode, log *slog.Logger) error {
	got := st.Mode().Perm()
	if got&^want == 0 {
		return nil
	}
	if err := os.Chmod(path, want); err != nil {
		return fmt.Errorf("data dir: restrict %s from %s to %s: %w", path, got, want, err)
	}
	log.Warn("data dir entry was open to other users; restricted it (rotate the token and CA if others may have read it)",
		"path", path, "was", got.String(), "now", want.String())
	return nil
}

// writeFileAtomic replaces path with data, mode perm, so that after a
// crash or power loss path holds either the old content or the new, never
// a torn mix: it writes a temporary file in the same directory, syncs it,
// renames it over path and syncs the directory.
func writeFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	defer func() { _ = d.Close() }()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}
