package pods

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/shoal-dev/shoal/api"
)

// emptyDir makes the pod's emptyDir volume v under base and returns its
// host directory. medium: Memory is a tmpfs of sizeLimit bytes (without
// sizeLimit, the kernel's default of half the RAM; its pages are charged to
// the memory cgroup of the container that writes them either way), so a
// pod that fills it gets ENOSPC and the node's disk is untouched. A
// disk-backed emptyDir's sizeLimit is enforced as kubelet does: the
// EvictionMonitor evicts the pod once the directory holds more.
func emptyDir(base string, v api.Volume) (string, error) {
	src := v.EmptyDir
	dir := filepath.Join(base, "empty-dir", v.Name)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return "", err
	}
	if src.Medium == api.StorageMediumMemory {
		if err := mountTmpfs(dir, src.SizeLimit); err != nil {
			return "", err
		}
	}
	// As kubelet: any container user may write.
	return dir, os.Chmod(dir, 0o777)
}

// mountTmpfs mounts a tmpfs of size (nil: the kernel default) on dir
// unless one is there already (the agent restarted under a running pod).
func mountTmpfs(dir string, size *api.Quantity) error {
	mounted, err := mountsUnder(dir, true)
	if err != nil {
		return err
	}
	if len(mounted) > 0 {
		return nil
	}
	opts := "mode=0777"
	if size != nil {
		n := size.Value()
		if n <= 0 {
			return configErrorf("emptyDir sizeLimit %s is too small for a tmpfs", size)
		}
		opts += ",size=" + strconv.FormatInt(n, 10)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		return fmt.Errorf("mount tmpfs on %s: %w", dir, err)
	}
	return nil
}

// removePodDir removes a pod's directory after unmounting every mount in
// it, deepest first: the tmpfs of memory emptyDirs and the subPath binds.
// It removes nothing while one remains, as os.RemoveAll would otherwise
// delete a volume's files through a subPath bind.
func removePodDir(dir string) error {
	if err := unmountUnder(dir); err != nil {
		return fmt.Errorf("pod directory %s kept: %w", dir, err)
	}
	return os.RemoveAll(dir)
}

// unmountUnder unmounts every mount at or below dir, deepest first.
func unmountUnder(dir string) error {
	mounts, err := mountsUnder(dir, false)
	if err != nil {
		return err
	}
	sort.Sort(sort.Reverse(sort.StringSlice(mounts)))
	var errs []error
	for _, m := range mounts {
		if err := unix.Unmount(m, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", m, err))
		}
	}
	return errors.Join(errs...)
}

// mountsUnder lists the mount points at dir (exact) or below it.
func mountsUnder(dir string, exact bool) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("list mounts: %w", err)
	}
	defer func() { _ = f.Close() }()
	dir = filepath.Clean(dir)
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMount(fields[4])
		if mp == dir || (!exact && strings.HasPrefix(mp, dir+"/")) {
			out = append(out, mp)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("list mounts: %w", err)
	}
	return out, nil
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space...).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
