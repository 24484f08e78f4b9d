package consensus

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/pki"
)

// exportOf puts cms into a one-voter cluster and returns its exported
// snapshot.
func exportOf(t *testing.T, cms ...*api.ConfigMap) []byte {
	t.Helper()
	n := openSingleNode(t)
	for _, c := range cms {
		data, err := EncodePut(Put{Objects: []api.Object{c}, Mode: ModeApply, Time: t0})
		if err != nil {
			t.Fatal(err)
		}
		res, err := n.Apply(context.Background(), data)
		if err != nil || res.Err != nil {
			t.Fatalf("apply %s: %v %v", c.Name, err, res.Err)
		}
	}
	var buf bytes.Buffer
	info, err := n.WriteSnapshot(&buf, 5*time.Second)
	if err != nil {
		t.Fatalf("WriteSnapshot: %v", err)
	}
	if info.Objects != len(cms) || info.Kinds["ConfigMap"] != len(cms) {
		t.Fatalf("got info %+v, want %d ConfigMaps", info, len(cms))
	}
	return buf.Bytes()
}

// TestSnapshotExportRestore: a snapshot exported by the leader restores
// onto a fresh node as a new one-voter cluster that holds every object
// (but those dropped), serves reads and takes writes.
func TestSnapshotExportRestore(t *testing.T) {
	file := exportOf(t,
		cm("default", "a", map[string]string{"app": "web"}, map[string]string{"k": "v"}),
		cm("prod", "b", nil, nil),
		cm("default", "drop-me", nil, nil))
	data, info, err := ReadExport(file, func(k api.Key) bool { return k.Name == "drop-me" })
	if err != nil {
		t.Fatalf("ReadExport: %v", err)
	}
	if info.Objects != 2 {
		t.Fatalf("got %d objects, want 2", info.Objects)
	}
	cfg := freshConfig(t, "fresh")
	cfg.Restore = data
	n, err := Open(cfg, NewStore())
	if err != nil {
		t.Fatalf("open with Restore: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	waitLeader(t, n)
	if got, ok := n.store.Get("ConfigMap", "default", "a"); !ok || got.(*api.ConfigMap).Data["k"] != "v" {
		t.Fatalf("got %v %v, want ConfigMap default/a with k=v", got, ok)
	}
	if _, ok := n.store.Get("ConfigMap", "default", "drop-me"); ok {
		t.Fatal("the dropped ConfigMap was restored")
	}
	before := n.store.Index()
	put, err := EncodePut(Put{Objects: []api.Object{cm("default", "new", nil, nil)}, Mode: ModeApply, Time: t0})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := n.Apply(context.Background(), put); err != nil || res.Err != nil {
		t.Fatalf("write after restore: %v %v", err, res.Err)
	}
	if n.store.Index() <= before {
		t.Fatalf("index %d after a write, want above the restored %d", n.store.Index(), before)
	}
	var again bytes.Buffer
	if _, err := n.WriteSnapshot(&again, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	_, info, err = ReadExport(again.Bytes(), nil)
	if err != nil || info.Objects != 3 {
		t.Fatalf("re-export: %d objects, %v; want 3", info.Objects, err)
	}
}

// TestReadExportRefuses: a damaged file is refused with ErrBadSnapshot and
// a message saying what is wrong.
func TestReadExportRefuses(t *testing.T) {
	file := exportOf(t, cm("default", "a", nil, map[string]string{"k": "value"}), cm("default", "b", nil, nil))
	flipped := bytes.Clone(file)
	i := bytes.Index(flipped, []byte("value"))
	flipped[i] = 'V'
	lines := bytes.SplitAfter(file, []byte("\n"))
	withoutLast := bytes.Join(lines[:len(lines)-2], nil) // drops the trailer
	for _, tc := range []struct {
		name, want string
		file       []byte
	}{
		{"empty", "empty or truncated", nil},
		{"truncated mid-line", "empty or truncated", file[:len(file)/2]},
		{"no trailer", "no checksum line", withoutLast},
		{"one byte changed", "checksum mismatch", flipped},
		{"not a snapshot", "empty or truncated", []byte("hello")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadExport(tc.file, nil)
			if !errors.Is(err, ErrBadSnapshot) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrBadSnapshot saying %q", err, tc.want)
			}
		})
	}
	if _, info, err := ReadExport(file, nil); err != nil || info.Objects != 2 {
		t.Fatalf("intact file: %+v %v", info, err)
	}
}

// TestRestoreRefusesExistingState: a data dir that holds Raft state is
// never overwritten by a restore.
func TestRestoreRefusesExistingState(t *testing.T) {
	data, _, err := ReadExport(exportOf(t, cm("default", "a", nil, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := openSingleNode(t)
	dir := n.cfg.Dir
	cfg := n.cfg
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	cfg.Restore = data
	if _, err := Open(cfg, NewStore()); err == nil || !strings.Contains(err.Error(), "already holds Raft state") {
		t.Fatalf("restore onto %s: got %v, want a refusal", dir, err)
	}
}

// FuzzReadExport: any bytes are refused or read without a panic, and what
// is accepted gives FSM snapshot data that reads back with the same
// count.
func FuzzReadExport(f *testing.F) {
	var buf bytes.Buffer
	s := &fsmSnapshot{index: 7, objects: []api.Object{cm("default", "a", map[string]string{"x": "y"}, map[string]string{"k": "v"})}}
	if _, err := export(&buf, s); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("{\"sha256\":\"00\"}\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		data, info, err := ReadExport(b, nil)
		if err != nil {
			if !errors.Is(err, ErrBadSnapshot) {
				t.Fatalf("error %v does not wrap ErrBadSnapshot", err)
			}
			return
		}
		_, _, n, err := readSnapshot(bytes.NewReader(data))
		if err != nil || n != info.Objects {
			t.Fatalf("accepted data reads back as %d objects, %v; info says %d", n, err, info.Objects)
		}
	})
}

// freshConfig is the configuration of a node named name on loopback with
// an empty data dir, fast timings and a certificate of a new CA.
func freshConfig(t *testing.T, name string) Config {
	t.Helper()
	ca, err := pki.NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	key, csr, err := pki.NewKeyAndCSR(name)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Sign(csr, name, []net.IP{net.IPv4(127, 0, 0, 1)}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	id, err := pki.NewNodeTLS(ca, cert, key)
	if err != nil {
		t.Fatal(err)
	}
	return Config{
		ID: name, Dir: t.TempDir(), BindAddr: "127.0.0.1:0",
		ServerTLS: id.MutualServerConfig(), ClientTLS: id.ClientConfig(),
		Logger:           slog.New(slog.DiscardHandler),
		HeartbeatTimeout: 100 * time.Millisecond, ElectionTimeout: 100 * time.Millisecond, LeaderLeaseTimeout: 50 * time.Millisecond,
	}
}
