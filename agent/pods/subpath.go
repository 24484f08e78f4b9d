package pods

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
