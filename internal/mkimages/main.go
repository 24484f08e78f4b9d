// Command mkimages writes the example images (the static Go test server
// and Debian's static busybox) as docker-archive tarballs into a
// directory, for `shoal image import`. The quick start uses it so the
// example app runs without any registry.
//
//	go run ./internal/mkimages DIR
package main

import (
	"fmt"
	"os"

	"github.com/shoal-dev/shoal/internal/testimage"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: mkimages DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	for _, build := range []func(string) (string, string, error){testimage.TestServer, testimage.Busybox} {
		path, ref, err := build(dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		fmt.Printf("%s\t%s\n", path, ref)
	}
}
