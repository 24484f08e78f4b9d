package testimage

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// archive builds a single-layer linux image for this machine's
// architecture and returns it as a docker-archive tarball tagged ref.
func archive(ref string, files []file, cfg v1.Config) ([]byte, error) {
	tag, err := name.NewTag(ref, name.StrictValidation)
	if err != nil {
		return nil, fmt.Errorf("parse ref %s: %w", ref, err)
	}
	raw, err := layerTar(files)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(raw)), nil
	}, tarball.WithCompressionLevel(gzip.BestSpeed))
	if err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	base, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{
		Architecture: runtime.GOARCH,
		OS:           "linux",
		Created:      v1.Time{Time: epoch},
		Config:       cfg,
	})
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: v1.Time{Time: epoch}, CreatedBy: "shoal testimage"},
	})
	if err != nil {
		return nil, fmt.Errorf("append layer: %w", err)
	}
	var buf bytes.Buffer
	if err := tarball.Write(tag, img, &buf); err != nil {
		return nil, fmt.Errorf("write archive: %w", err)
	}
	return buf.Bytes(), nil
}

// cached builds an image archive once per process and writes a copy into
// whichever directory a caller asks for.
type cached struct {
	ref   string
	file  string // archive file name inside the caller's dir
	build func() ([]byte, error)

	once sync.Once
	data []byte
	err  error
}

// writeTo builds the archive on first use and writes it to dir/c.file.
func (c *cached) writeTo(dir string) (path, ref string, err error) {
	if dir == "" {
		return "", "", errors.New("testimage: empty dir")
	}
	c.once.Do(func() { c.data, c.err = c.build() })
	if c.err != nil {
		return "", "", fmt.Errorf("build %s: %w", c.ref, c.err)
	}
	path = filepath.Join(dir, c.file)
	if err := writeFileAtomic(path, c.data); err != nil {
		return "", "", err
	}
	return path, c.ref, nil
}

// writeFileAtomic writes data next to path and renames it into place, so
// a reader never sees half an archive.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
