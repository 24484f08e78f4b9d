package consensus

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/pki"
)

// TestRestartKeepsLog writes through a one-voter node, closes it and opens
// its data dir again: the node uses the same log store, has every write
// (from the log alone, or from a snapshot and the log after it), catches
// up and takes new writes. A new data dir gets the write-ahead log; one
// holding raft.db (from before it) keeps bolt and gets no wal dir.
func TestRestartKeepsLog(t *testing.T) {
	tests := []struct {
		name     string
		bolt     bool // the data dir holds raft.db before the first start
		snapshot bool // take a snapshot half-way
		want     string
	}{
		{"new data dir, log only", false, false, LogStoreWAL},
		{"new data dir, snapshot and log", false, true, LogStoreWAL},
		{"bolt data dir, log only", true, false, LogStoreBolt},
		{"bolt data dir, snapshot and log", true, true, LogStoreBolt},
	}
	ca, err := pki.NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.bolt {
				// An empty file is how bolt starts a new database: the
				// log store then writes raft.db exactly as before the WAL.
				if err := os.WriteFile(filepath.Join(dir, boltFile), nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			n := openIn(t, ca, dir, true)
			waitLeader(t, n)
			if got := n.LogStore(); got != tt.want {
				t.Fatalf("first start: log store %q, want %q", got, tt.want)
			}
			for i := range 20 {
				if i == 10 && tt.snapshot {
					if err := n.raft.Snapshot().Error(); err != nil {
						t.Fatalf("snapshot: %v", err)
					}
				}
				putCM(t, n, fmt.Sprintf("cm-%d", i%7), i)
			}
			before := dump(t, n.store)
			lastBefore, err := n.logs.LastIndex()
			if err != nil {
				t.Fatal(err)
			}
			if err := n.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			checkStoreFiles(t, dir, tt.want)

			n = openIn(t, ca, dir, false)
			t.Cleanup(func() {
				if err := n.Close(); err != nil {
					t.Errorf("close after restart: %v", err)
				}
			})
			if got := n.LogStore(); got != tt.want {
				t.Fatalf("after restart: log store %q, want %q", got, tt.want)
			}
			if last, err := n.logs.LastIndex(); err != nil || last != lastBefore {
				t.Fatalf("after restart: last log index %d (%v), want %d", last, err, lastBefore)
			}
			waitLeader(t, n)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if !n.CaughtUp(ctx, 10*time.Second) {
				t.Fatal("after restart: not caught up in 10 s")
			}
			if after := dump(t, n.store); !slices.Equal(after, before) {
				t.Fatalf("after restart the store differs:\n got %s\nwant %s", strings.Join(after, "\n"), strings.Join(before, "\n"))
			}
			putCM(t, n, "after-restart", 0)
			checkStoreFiles(t, dir, tt.want)
		})
	}
}

// TestOpenRefusesTwoLogStores: a raft dir holding both raft.db and wal
// does not open, since either could hold the node's log.
func TestOpenRefusesTwoLogStores(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, boltFile), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, walDir), 0o700); err != nil {
		t.Fatal(err)
	}
	s, _, err := openLogStore(dir, newHCLogger("raft", testLogger(t)), testLogger(t))
	if err == nil {
		_ = s.Close()
		t.Fatal("opened a raft dir holding both raft.db and wal")
	}
	if !strings.Contains(err.Error(), boltFile) || !strings.Contains(err.Error(), walDir) {
		t.Errorf("error %q does not name both stores", err)
	}
}

// openIn opens node n1 of ca with data dir dir and fast timings; the
// caller closes it.
func openIn(t *testing.T, ca *pki.CA, dir string, bootstrap bool) *Node {
	t.Helper()
	n, err := Open(nodeConfig(t, ca, "n1", dir, bootstrap, true), NewStore())
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	return n
}

// putCM applies ConfigMap name with data step=i through n.
func putCM(t *testing.T, n *Node, name string, i int) {
	t.Helper()
	b, err := EncodePut(Put{Objects: []api.Object{cm("default", name, nil, map[string]string{"step": fmt.Sprint(i)})}, Mode: ModeApply, Time: t0})
	if err != nil {
		t.Fatal(err)
	}
	res, err := n.Apply(context.Background(), b)
	if err == nil {
		err = res.Err
	}
	if err != nil {
		t.Fatalf("apply %s: %v", name, err)
	}
}

// checkStoreFiles checks that dir holds the files of log store kind and
// not those of the other.
func checkStoreFiles(t *testing.T, dir, kind string) {
	t.Helper()
	has := func(name string) bool {
		_, err := os.Stat(filepath.Join(dir, name))
		return err == nil
	}
	bolt, wal := has(boltFile), has(walDir)
	if want := kind == LogStoreBolt; bolt != want || wal == want {
		t.Errorf("%s: raft.db present %v, wal present %v; want only the %s store", dir, bolt, wal, kind)
	}
}
