package testimage

import (
	"archive/tar"
	"bytes"
	"fmt"
	"time"
)

// epoch is the timestamp of every file and of the image config, so an
// image built twice from the same inputs has the same digest.
var epoch = time.Unix(0, 0).UTC()

// file is one entry of an image layer. Paths have no leading slash.
type file struct {
	path string
	mode int64
	typ  byte   // tar.TypeDir, tar.TypeReg or tar.TypeSymlink
	data []byte // tar.TypeReg only
	link string // tar.TypeSymlink only
}

func dir(path string, mode int64) file { return file{path: path, mode: mode, typ: tar.TypeDir} }

func regular(path string, mode int64, data []byte) file {
	return file{path: path, mode: mode, typ: tar.TypeReg, data: data}
}

func symlink(path, target string) file {
	return file{path: path, mode: 0o777, typ: tar.TypeSymlink, link: target}
}

// layerTar writes files, in order, as an uncompressed layer tarball owned
// by root with fixed timestamps.
func layerTar(files []file) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		hdr := &tar.Header{
			Typeflag: f.typ,
			Name:     f.path,
			Linkname: f.link,
			Mode:     f.mode,
			Size:     int64(len(f.data)),
			ModTime:  epoch,
			Format:   tar.FormatPAX,
		}
		if f.typ == tar.TypeDir {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("tar header %s: %w", f.path, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, fmt.Errorf("tar data %s: %w", f.path, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("close tar: %w", err)
	}
	return buf.Bytes(), nil
}
