//go:build !linux

package hostinfo

import (
	"errors"
	"runtime"
)

// Capacity is only implemented on Linux.
func Capacity(string) (Resources, error) { return Resources{}, errors.ErrUnsupported }

// Free is only implemented on Linux.
func Free(string, *CPUSampler) (Resources, error) { return Resources{}, errors.ErrUnsupported }

// OSInfo returns the operating system and architecture; the kernel is
// only known on Linux.
func OSInfo() (os, arch, kernel string) { return runtime.GOOS, runtime.GOARCH, "" }

func readCPUTimes() (cpuTimes, error) { return cpuTimes{}, errors.ErrUnsupported }
