package pods

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// A subPath is opened by the agent one component at a time with openat2,
// refusing any symbolic link, and bind-mounted through the open
// descriptor onto a path the agent owns, which is what runc is given: a
// container that swaps a directory of its volume for a symlink after the
// check cannot redirect the mount, as it could when the path was checked
// and then resolved again by runc. (runc cannot be given the descriptor
// itself: it binds from inside the container's mount namespace, and the
// kernel refuses a source from another one.) This is kubelet's scheme.

// subPathResolve is how each component of a subPath is opened: below its
// parent, through no symbolic link of any kind.
var subPathResolve = unix.OpenHow{
	Flags:   unix.O_PATH | unix.O_CLOEXEC,
	Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
}

// subPathsDir holds the bind mounts of a pod's subPaths.
func subPathsDir(podDir string) string { return filepath.Join(podDir, "volume-subpaths") }

// openSubPath opens sub (cleaned, relative) below root, creating missing
// directories, and returns an O_PATH descriptor.
func openSubPath(root, sub string) (int, error) {
	dir, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open volume: %w", err)
	}
	for _, part := range strings.Split(sub, "/") {
		if part == "" || part == "." {
			continue
		}
		how := subPathResolve
		fd, err := unix.Openat2(dir, part, &how)
		if errors.Is(err, unix.ENOENT) {
			if err = unix.Mkdirat(dir, part, 0o755); err == nil || errors.Is(err, unix.EEXIST) {
				fd, err = unix.Openat2(dir, part, &how)
			}
		}
		_ = unix.Close(dir)
		switch {
		case errors.Is(err, unix.ELOOP):
			return -1, errors.New("is or passes through a symbolic link")
		case errors.Is(err, unix.EXDEV):
			return -1, errors.New("leaves the volume")
		case err != nil:
			return -1, fmt.Errorf("open %q: %w", part, err)
		}
		dir = fd
	}
	return dir, nil
}

// bindSubPath opens sub below root and bind-mounts it onto target
// (replacing an earlier mount there), returning target.
func bindSubPath(root, sub, target string) (string, error) {
	fd, err := openSubPath(root, sub)
	if err != nil {
		return "", err
	}
	defer func() { _ = unix.Close(fd) }()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return "", fmt.Errorf("stat: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return "", err
	}
	// An earlier start's mount: replace it, the subPath may have changed.
	if err := unix.Unmount(target, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return "", fmt.Errorf("unmount the previous bind: %w", err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		err = os.MkdirAll(target, 0o700)
	} else if f, ferr := os.OpenFile(target, os.O_CREATE|os.O_RDONLY, 0o600); ferr == nil {
		err = f.Close()
	} else {
		err = ferr
	}
	if err != nil {
		return "", fmt.Errorf("bind target: %w", err)
	}
	src := "/proc/self/fd/" + strconv.Itoa(fd)
	if err := unix.Mount(src, target, "", unix.MS_BIND, ""); err != nil {
		return "", fmt.Errorf("bind mount: %w", err)
	}
	return target, nil
}

// unmountSubPaths unmounts every mount under podDir's subPath directory,
// deepest first, found in /proc/self/mountinfo.
func unmountSubPaths(podDir string) error {
	prefix := subPathsDir(podDir) + "/"
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	var points []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		if p := unescapeMountinfo(fields[4]); strings.HasPrefix(p, prefix) {
			points = append(points, p)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	slices.SortFunc(points, func(a, b string) int { return len(b) - len(a) })
	var errs []error
	for _, p := range points {
		if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

// unescapeMountinfo undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountinfo(s string) string {
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

// removePodDir removes a pod's directory after unmounting its subPath
// binds; it removes nothing while one remains, as os.RemoveAll would
// otherwise delete the volume's files through it.
func removePodDir(dir string) error {
	if err := unmountSubPaths(dir); err != nil {
		return fmt.Errorf("pod directory %s kept: %w", dir, err)
	}
	return os.RemoveAll(dir)
}
