package agent

import (
	"bytes"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/gossip"
)

// restartedAgent is an agent about to restart on dir, which holds the
// identity of a cluster it made; its log goes to logs.
func restartedAgent(t *testing.T, logs *bytes.Buffer) (*Agent, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	key, err := gossip.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newClusterIdentity(dir, "n1", []net.IP{net.ParseIP("127.0.0.1")}, key, time.Hour); err != nil {
		t.Fatal(err)
	}
	a, err := New(Config{Name: "n1", DataDir: dir, BindAddr: "127.0.0.1", Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return a, dir
}

func TestRestartWithTornPeersFile(t *testing.T) {
	tests := []struct {
		name      string
		content   string
		wantPeers []string
		wantWarn  bool
	}{
		{name: "intact", content: `["10.0.0.2:7946","10.0.0.3:7946"]`, wantPeers: []string{"10.0.0.2:7946", "10.0.0.3:7946"}},
		{name: "truncated mid-write", content: `["10.0.0.2:7946","10.0`, wantWarn: true},
		{name: "empty", content: ``, wantWarn: true},
		{name: "garbage", content: "\x00\x00\x00\x00", wantWarn: true},
		{name: "wrong type", content: `{"peers":1}`, wantWarn: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			a, dir := restartedAgent(t, &logs)
			if err := os.WriteFile(filepath.Join(dir, filePeers), []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			id, peers, bootstrap, err := a.establishIdentity(t.Context())
			if err != nil {
				t.Fatalf("start with peers file %q: %v; want it to start", tt.content, err)
			}
			if id == nil || bootstrap {
				t.Fatalf("got identity %v, bootstrap %v; want the saved identity reused", id != nil, bootstrap)
			}
			if strings.Join(peers, ",") != strings.Join(tt.wantPeers, ",") {
				t.Errorf("got peers %q, want %q", peers, tt.wantPeers)
			}
			if warned := strings.Contains(logs.String(), "ignoring the peers file"); warned != tt.wantWarn {
				t.Errorf("warned about the peers file: %v, want %v (log: %s)", warned, tt.wantWarn, logs.String())
			}
		})
	}
}

func TestRestartRestrictsDataDirModes(t *testing.T) {
	var logs bytes.Buffer
	a, dir := restartedAgent(t, &logs)
	loose := map[string]os.FileMode{"": 0o777, fileCAKey: 0o644, fileToken: 0o666, fileGossipKey: 0o640, fileNodeKey: 0o604}
	for name, mode := range loose {
		if err := os.Chmod(filepath.Join(dir, name), mode); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, _, err := a.establishIdentity(t.Context()); err != nil {
		t.Fatalf("start: %v", err)
	}
	for name, was := range loose {
		want := secretFileMode
		if name == "" {
			want = dataDirMode
		}
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%q: got mode %s, want %s (was %s)", name, got, want, was)
		}
	}
	if n := strings.Count(logs.String(), "restricted it"); n != len(loose) {
		t.Errorf("got %d warnings about loose modes, want %d (log: %s)", n, len(loose), logs.String())
	}
}

func TestRestartRefusesSymlinkedSecret(t *testing.T) {
	a, dir := restartedAgent(t, &bytes.Buffer{})
	tok := filepath.Join(dir, fileToken)
	if err := os.Rename(tok, tok+".real"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(tok+".real", tok); err != nil {
		t.Fatal(err)
	}
	_, _, _, err := a.establishIdentity(t.Context())
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("got error %v, want one saying %s is not a regular file", err, tok)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token")
	for _, content := range []string{"first", "second, longer than the first"} {
		if err := writeFileAtomic(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != content {
			t.Errorf("got %q, want %q", got, content)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("got mode %s, want 0600", st.Mode().Perm())
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 {
		t.Errorf("got %d entries in the dir, want 1 (no temporary file left)", len(ents))
	}
	// A write that fails (the target is a directory) leaves no temporary.
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(filepath.Join(dir, "d"), []byte("x"), 0o600); err == nil {
		t.Fatal("writing over a directory: got no error")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("got %d entries after a failed write, want 2", len(ents))
	}
}
