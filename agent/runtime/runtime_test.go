package runtime

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenEmbedded(t *testing.T) {
	e := newTestEnv(t)
	r := e.open(t, true)
	if !r.Embedded() {
		t.Fatal("Embedded() = false, want true: nothing answered at the address")
	}
	v, err := r.Version(context.Background())
	if err != nil || v == "" {
		t.Fatalf("version = %q, %v", v, err)
	}
	conf, err := os.ReadFile(filepath.Join(e.dir, "containerd", "containerd.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"io.containerd.grpc.v1.cri"`, filepath.Join(e.dir, "containerd", "root"), e.cfg.Address} {
		if !strings.Contains(string(conf), want) {
			t.Errorf("config lacks %s:\n%s", want, conf)
		}
	}
	if _, err := os.Stat(filepath.Join(e.dir, "containerd", "containerd.log")); err != nil {
		t.Errorf("containerd log: %v", err)
	}
}

func TestOpenValidates(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no data dir":      {Address: "/tmp/x.sock"},
		"relative address": {Address: "x.sock", DataDir: "/tmp"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Open(context.Background(), cfg); err == nil {
				t.Fatal("Open succeeded, want an error")
			}
		})
	}
}
