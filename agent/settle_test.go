package agent

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// settleAgent is an agent with a real store and no Raft, given explicit
// flags.
func settleAgent(t *testing.T, explicit map[string]string) *Agent {
	t.Helper()
	cfg := Config{Name: "n2", DataDir: t.TempDir(), BindAddr: "127.0.0.1", ExplicitFlags: map[string]bool{},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	cfg.SetDefaults()
	for flag, v := range explicit {
		setFlag(t, &cfg, flag, v)
		cfg.ExplicitFlags[flag] = true
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.store = consensus.NewStore()
	return a
}

// record writes the cluster's settings into a's replica as the leader
// would.
func record(t *testing.T, a *Agent, spec *api.ClusterConfigSpec) {
	t.Helper()
	obj, _ := api.New("ClusterConfig")
	cc := obj.(*api.ClusterConfig)
	cc.Name, cc.Spec = api.ClusterConfigName, *spec
	cmd, err := consensus.EncodePut(consensus.Put{Objects: []api.Object{cc}, Mode: consensus.ModeReplace, Time: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	res := consensus.NewFSM(a.store, nil).Apply(&raft.Log{Index: 1, Data: cmd}).(consensus.ApplyResult)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
}

func TestSettle(t *testing.T) {
	t.Run("adopts the replica's settings and keeps a copy", func(t *testing.T) {
		a := settleAgent(t, nil)
		record(t, a, cluster96())
		if err := a.settle(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := a.settingsNow(); got == nil || *got != *cluster96() {
			t.Errorf("got settings %+v, want %+v", got, cluster96())
		}
		if a.cfg.ServiceCIDR != "10.96.0.0/16" {
			t.Errorf("got cfg.ServiceCIDR %s, want 10.96.0.0/16", a.cfg.ServiceCIDR)
		}
		saved, err := loadSettings(a.cfg.DataDir)
		if err != nil || saved == nil || *saved != *cluster96() {
			t.Errorf("got saved copy %+v, %v; want %+v", saved, err, cluster96())
		}
	})
	t.Run("waits for the settings to reach the replica", func(t *testing.T) {
		a := settleAgent(t, nil)
		done := make(chan error, 1)
		go func() { done <- a.settle(context.Background()) }()
		select {
		case err := <-done:
			t.Fatalf("settle returned %v before the replica had settings", err)
		case <-time.After(50 * time.Millisecond):
		}
		record(t, a, cluster96())
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if !a.isSettled() {
			t.Error("got not settled, want settled")
		}
	})
	t.Run("a conflicting flag is refused", func(t *testing.T) {
		a := settleAgent(t, map[string]string{"service-cidr": "10.43.0.0/16"})
		record(t, a, cluster96())
		err := a.settle(context.Background())
		if err == nil || !strings.Contains(err.Error(), "--service-cidr 10.43.0.0/16 conflicts with the cluster's 10.96.0.0/16") {
			t.Fatalf("got %v, want the conflict named", err)
		}
		if a.isSettled() {
			t.Error("got settled, want not")
		}
	})
	t.Run("the copy in the data dir is enough", func(t *testing.T) {
		a := settleAgent(t, map[string]string{"node-grace": "5s"})
		if err := saveSettings(a.cfg.DataDir, cluster96()); err != nil {
			t.Fatal(err)
		}
		if err := a.settle(context.Background()); err != nil {
			t.Fatal(err)
		}
		if a.cfg.ServiceCIDR != "10.96.0.0/16" {
			t.Errorf("got cfg.ServiceCIDR %s, want 10.96.0.0/16", a.cfg.ServiceCIDR)
		}
	})
	t.Run("a broken copy is an error naming the file", func(t *testing.T) {
		a := settleAgent(t, nil)
		path := filepath.Join(a.cfg.DataDir, fileSettings)
		if err := os.WriteFile(path, []byte(`{"clusterCIDR":"nonsense"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		err := a.settle(context.Background())
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "spec.clusterCIDR") {
			t.Fatalf("got %v, want an error naming %s and spec.clusterCIDR", err, path)
		}
	})
	t.Run("ends with ctx", func(t *testing.T) {
		a := settleAgent(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := a.settle(ctx); err != nil || a.isSettled() {
			t.Fatalf("got %v, settled %t; want nil, not settled", err, a.isSettled())
		}
	})
}
