package testimage

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"slices"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// files lists the paths in the image's single layer.
func files(t *testing.T, path, ref string) ([]string, []string, []string) {
	t.Helper()
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := tarball.ImageFromPath(path, &tag)
	if err != nil {
		t.Fatalf("read %s as %s: %v", path, ref, err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers: %d, %v; want 1", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	var names []string
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
	return names, cfg.Config.Entrypoint, cfg.Config.Cmd
}

func TestBusybox(t *testing.T) {
	if _, err := os.Stat(BusyboxPath); err != nil {
		t.Skipf("%s absent: %v", BusyboxPath, err)
	}
	dir := t.TempDir()
	path, ref, err := Busybox(dir)
	if err != nil || ref != BusyboxRef {
		t.Fatalf("Busybox: %q %q %v", path, ref, err)
	}
	names, _, cmd := files(t, path, ref)
	for _, want := range []string{"bin/busybox", "bin/sh", "bin/stty", "tmp/"} {
		if !slices.Contains(names, want) {
			t.Errorf("layer lacks %s: %v", want, names)
		}
	}
	if !slices.Equal(cmd, []string{"sh"}) {
		t.Errorf("cmd %v, want [sh]", cmd)
	}
	// A second call reuses the build and gives the same bytes.
	again, _, err := Busybox(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(path)
	b, _ := os.ReadFile(again)
	if len(a) == 0 || string(a) != string(b) {
		t.Error("second archive differs from the first")
	}
}

func TestTestServer(t *testing.T) {
	path, ref, err := TestServer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	names, entrypoint, _ := files(t, path, ref)
	if !slices.Contains(names, "testserver") || !slices.Equal(entrypoint, []string{"/testserver"}) {
		t.Errorf("files %v entrypoint %v: want /testserver", names, entrypoint)
	}
}

func TestEmptyDir(t *testing.T) {
	if _, _, err := Busybox(""); err == nil {
		t.Error("Busybox(\"\") succeeded")
	}
}
