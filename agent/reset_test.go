package agent

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestResetLockRefusesRunningAgent: Reset's check that no agent runs is
// the Raft store's flock, as bbolt takes it in a running agent (on the
// write-ahead log's meta store, or on raft.db in an older data dir).
func TestResetLockRefusesRunningAgent(t *testing.T) {
	t.Run("no raft store", func(t *testing.T) {
		unlock, err := lockStopped(t.TempDir())
		if err != nil {
			t.Fatalf("a data dir without a raft store: %v", err)
		}
		unlock()
	})
	for _, name := range raftLockFiles {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(db), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(db, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			unlock, err := lockStopped(dir)
			if err != nil {
				t.Fatalf("%s nobody holds: %v", name, err)
			}
			unlock()
			f, err := os.Open(db)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
				t.Fatal(err)
			}
			if _, err := lockStopped(dir); !errors.Is(err, ErrAgentRunning) {
				t.Fatalf("%s locked: got %v, want ErrAgentRunning", name, err)
			}
		})
	}
}

func TestResetChecksDataDir(t *testing.T) {
	tests := []struct {
		name    string
		files   []string // files to create; nil: the dir does not exist
		wantErr bool
	}{
		{"agent data dir", []string{"raft/raft.db", "node.crt"}, false},
		{"only embedded containerd state", []string{"containerd/containerd.toml"}, false},
		{"gone already", nil, false},
		{"someone's directory", []string{"photos/a.jpg"}, true},
		// /usr/share/doc holds directories named like the agent's.
		{"package docs", []string{"containerd/copyright", "cni/copyright", "raft/README"}, true},
		{"a directory where a marker file would be", []string{"node.crt/x"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "d")
			for _, f := range tt.files {
				path := filepath.Join(dir, f)
				if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := checkDataDir(dir); (err != nil) != tt.wantErr {
				t.Fatalf("got %v, want error %v", err, tt.wantErr)
			}
		})
	}
	if err := checkDataDir("/"); err == nil {
		t.Fatal("checkDataDir(/) accepted")
	}
}
