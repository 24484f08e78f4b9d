package pods

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// fsStat is a filesystem's size and the space left on it, in bytes.
type fsStat struct {
	capacity, available int64
}

// diskObservation is one reading of the filesystems the monitor watches.
type diskObservation struct {
	// nodeFS is the data dir's filesystem.
	nodeFS fsStat
	// imageFS is containerd's root filesystem, nil when it is the data
	// dir's (or unknown).
	imageFS *fsStat
}

// pressure says which threshold a reading crossed.
type pressure struct {
	// signal is the filesystem short of space.
	signal Signal
	// minFree is the free space the threshold asks for, in bytes.
	minFree int64
	// available is what is free.
	available int64
	// rule is the threshold as configured ("nodefs.available<10%", or
	// Raft's reserve).
	rule string
}

// threshold describes the threshold for a status message, e.g.
// "20Mi (nodefs.available<10%)".
func (p pressure) threshold() string { return bytesText(p.minFree) + " (" + p.rule + ")" }

// underPressure reports whether obs crosses a threshold of ts (nodefs
// first, with Raft's reserve).
func underPressure(ts Thresholds, obs diskObservation) (pressure, bool) {
	nf := obs.nodeFS
	if need := ts.NodeFSMinFree(nf.capacity); nf.available < need {
		p := pressure{signal: SignalNodeFS, minFree: need, available: nf.available,
			rule: fmt.Sprintf("%s<%s, Raft's reserve", SignalNodeFS, bytesText(need))}
		if t, ok := ts.For(SignalNodeFS); ok && t.MinFree(nf.capacity) == need {
			p.rule = t.String()
		}
		return p, true
	}
	if obs.imageFS == nil {
		return pressure{}, false
	}
	t, ok := ts.For(SignalImageFS)
	if !ok {
		return pressure{}, false
	}
	if f := obs.imageFS; f.available < t.MinFree(f.capacity) {
		return pressure{signal: SignalImageFS, minFree: t.MinFree(f.capacity), available: f.available, rule: t.String()}, true
	}
	return pressure{}, false
}

// statFS reads the size and free space (for unprivileged users, so the
// root-reserved blocks are a margin) of the filesystem holding dir, and
// its device.
func statFS(dir string) (fsStat, uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return fsStat{}, 0, fmt.Errorf("statfs %s: %w", dir, err)
	}
	var s unix.Stat_t
	if err := unix.Stat(dir, &s); err != nil {
		return fsStat{}, 0, fmt.Errorf("stat %s: %w", dir, err)
	}
	bs := int64(st.Bsize)
	return fsStat{capacity: int64(st.Blocks) * bs, available: int64(st.Bavail) * bs}, s.Dev, nil
}
