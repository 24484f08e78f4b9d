// Package testimage builds small OCI images in Go, without a registry or a
// Docker daemon, for tests and the quick start: a static Go HTTP test
// server (TestServer) and Debian's static busybox (Busybox).
//
// Each image is built once per process and written as a docker-archive
// tarball, the format containerd's `ctr image import` and the Go client's
// Import read. It owns nothing else: it never talks to containerd.
package testimage
