package pods

import (
	"io/fs"
	"path/filepath"
	"syscall"

	"github.com/shoal-dev/shoal/api"
)

// measureDisk measures what pod p holds on the data dir's disk: each
// disk-backed emptyDir (a medium: Memory one is a tmpfs, capped by its
// size and charged to the pod's memory) and its container logs.
func measureDisk(dataDir string, p *api.Pod) podDisk {
	d := podDisk{pod: p, volumes: map[string]int64{}}
	base := filepath.Join(podDir(dataDir, p.UID), "volumes", "empty-dir")
	for _, v := range p.Spec.Volumes {
		if v.EmptyDir != nil && v.EmptyDir.Medium != api.StorageMediumMemory {
			d.volumes[v.Name] = diskUsage(filepath.Join(base, v.Name))
		}
	}
	d.logs = diskUsage(logDir(dataDir, p.Namespace, p.Name, p.UID))
	return d
}

// diskUsage is the space the files under root take on disk (allocated
// blocks, as du counts them): symlinks are not followed, other
// filesystems mounted below root are not entered, and a file with several
// hard links counts once. What cannot be read counts as nothing.
func diskUsage(root string) int64 {
	var dev uint64
	var total int64
	type inode struct{ dev, ino uint64 }
	seen := map[inode]bool{}
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // gone meanwhile, or unreadable: skip it
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if !ok {
			return nil
		}
		if path == root {
			dev = st.Dev
		} else if st.Dev != dev {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if st.Nlink > 1 && !d.IsDir() {
			k := inode{st.Dev, st.Ino}
			if seen[k] {
				return nil
			}
			seen[k] = true
		}
		total += st.Blocks * 512
		return nil
	})
	return total
}
