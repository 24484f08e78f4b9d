package hostinfo

import (
	"bytes"
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// Capacity returns the machine's CPU (millicores), memory (MemTotal) and
// the total size of the filesystem holding dataDir, which must exist.
func Capacity(dataDir string) (Resources, error) {
	mem, err := readMeminfo()
	if err != nil {
		return Resources{}, err
	}
	total, _, err := diskSpace(dataDir)
	if err != nil {
		return Resources{}, err
	}
	return Resources{CPU: cpuCapacity(), Memory: mem.Total, Disk: total}, nil
}

// Free returns what is free now: idle CPU over the interval since sampler's
// last sample (since boot if sampler is nil), MemAvailable, and the space
// available to unprivileged users on dataDir's filesystem.
func Free(dataDir string, sampler *CPUSampler) (Resources, error) {
	if sampler == nil {
		sampler = &CPUSampler{}
	}
	cpu, err := sampler.Sample()
	if err != nil {
		return Resources{}, err
	}
	mem, err := readMeminfo()
	if err != nil {
		return Resources{}, err
	}
	_, avail, err := diskSpace(dataDir)
	if err != nil {
		return Resources{}, err
	}
	return Resources{CPU: cpu, Memory: mem.Available, Disk: avail}, nil
}

// OSInfo returns the operating system and architecture as Go names them
// ("linux", "amd64") and the kernel release ("6.1.0-28-amd64"), empty if
// uname fails.
func OSInfo() (os, arch, kernel string) {
	var u unix.Utsname
	if err := unix.Uname(&u); err == nil {
		kernel = unix.ByteSliceToString(u.Release[:])
	}
	return runtime.GOOS, runtime.GOARCH, kernel
}

func readMeminfo() (meminfo, error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return meminfo{}, err
	}
	return parseMeminfo(bytes.NewReader(b))
}

func readCPUTimes() (cpuTimes, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTimes{}, err
	}
	return parseCPUTimes(bytes.NewReader(b))
}

// diskSpace returns the total and the available bytes of the filesystem
// holding dir.
func diskSpace(dir string) (total, avail int64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, 0, fmt.Errorf("statfs %s: %w", dir, err)
	}
	unit := int64(st.Frsize)
	if unit == 0 {
		unit = int64(st.Bsize)
	}
	return int64(st.Blocks) * unit, int64(st.Bavail) * unit, nil
}
