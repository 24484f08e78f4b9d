//go:build deps

// Package deps pins modules that packages under construction use, so
// `go mod tidy` keeps them while those packages are being written. Remove
// once every module here is imported by real code.
package deps

import (
	_ "github.com/containerd/containerd/v2/client"
	_ "github.com/containerd/containerd/v2/core/remotes/docker"
	_ "github.com/containerd/containerd/v2/pkg/cio"
	_ "github.com/containerd/containerd/v2/pkg/oci"
	_ "github.com/containerd/errdefs"
	_ "github.com/containernetworking/cni/libcni"
	_ "github.com/google/go-containerregistry/pkg/v1/tarball"
	_ "github.com/opencontainers/runtime-spec/specs-go"
	_ "github.com/vishvananda/netlink"
	_ "github.com/vishvananda/netns"
	_ "golang.org/x/term"
	_ "sigs.k8s.io/knftables"
)
