package pods

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// Eviction monitor pacing.
const (
	// evictInterval is how often free space is read.
	evictInterval = time.Second
	// evictTransition is how long a node still reports disk pressure once
	// free space is back above the thresholds, so that it does not flap
	// (kubelet's --eviction-pressure-transition-period, 5 m there).
	evictTransition = 30 * time.Second
	// evictTimeout bounds the wait for one pod's worker to evict it (it
	// may be busy pulling an image); the next pod in line is tried then.
	evictTimeout = 30 * time.Second
	// nearFactor: while free space is under nearFactor times a
	// threshold, it is read ten times as often, so a pod writing fast is
	// caught close to the threshold rather than at a full disk.
	nearFactor = 2
)

// EvictionConfig configures an EvictionMonitor.
type EvictionConfig struct {
	// Thresholds are the hard eviction thresholds (--eviction-hard).
	Thresholds Thresholds
	// ImageFSDir is containerd's root directory ("" if unknown); its
	// filesystem is watched apart (imagefs.available) when it is not the
	// data dir's.
	ImageFSDir string
	// Interval is how often free space is read; 0 means 1 s.
	Interval time.Duration
	// Transition is how long pressure is still reported once free space
	// is back; 0 means 30 s.
	Transition time.Duration
	// Report publishes whether the node is under disk pressure. It is
	// called after every reading, so it must be cheap when nothing
	// changed, and a failed report is retried by the next; nil for none.
	Report func(ctx context.Context, pressure bool) error
	// Evicted, if set, is called after each eviction with its cause:
	// CauseDiskPressure or CauseLimit.
	Evicted func(cause string)
	// Logger logs pressure and evictions; nil is the manager's.
	Logger *slog.Logger
}

// Eviction causes, for EvictionConfig.Evicted.
const (
	// CauseDiskPressure is an eviction because the node ran short of disk.
	CauseDiskPressure = "disk-pressure"
	// CauseLimit is an eviction because the pod outgrew its emptyDir
	// sizeLimit or its ephemeral-storage limits.
	CauseLimit = "local-storage-limit"
)

// EvictionMonitor evicts pods before the data dir's disk fills, as
// kubelet's hard eviction does: it reads the free space of the data
// dir's filesystem (nodefs: Raft, pod volumes, logs) and of containerd's
// root if that is another filesystem (imagefs); while one is below its
// threshold the node reports DiskPressure and evicts pods one at a time,
// in kubelet's order (rankForEviction), until the space is back. A pod
// whose disk emptyDir outgrows its sizeLimit, or whose local storage
// outgrows its containers' ephemeral-storage limits, is evicted whatever
// the free space.
type EvictionMonitor struct {
	cfg EvictionConfig
	m   *Manager
	log *slog.Logger

	// pressure is what was last reported.
	pressure atomic.Bool
	// under is when the thresholds were last crossed; since is when the
	// current spell of pressure began; lastEvict and lastLimits are when
	// a pod was last evicted for pressure and limits last checked.
	under, since          time.Time
	lastEvict, lastLimits time.Time
}

// NewEvictionMonitor returns a monitor that evicts m's pods; Run starts
// it. It does no I/O.
func NewEvictionMonitor(cfg EvictionConfig, m *Manager) *EvictionMonitor {
	if cfg.Interval <= 0 {
		cfg.Interval = evictInterval
	}
	if cfg.Transition <= 0 {
		cfg.Transition = evictTransition
	}
	if cfg.Logger == nil {
		cfg.Logger = m.logger
	}
	return &EvictionMonitor{cfg: cfg, m: m, log: cfg.Logger}
}

// Pressure reports whether the node is under disk pressure.
func (e *EvictionMonitor) Pressure() bool { return e.pressure.Load() }

// Run watches free space and evicts until ctx ends.
func (e *EvictionMonitor) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		timer.Reset(e.pass(ctx, time.Now()))
	}
}

// pass reads free space, publishes pressure and evicts at most one pod
// for it (and every pod over its own limits); it returns when to look
// again.
func (e *EvictionMonitor) pass(ctx context.Context, now time.Time) time.Duration {
	obs, err := e.observe()
	if err != nil {
		e.log.Warn("read free disk space", "err", err)
		return e.cfg.Interval
	}
	p, under := underPressure(e.cfg.Thresholds, obs)
	e.update(under, p, now)
	if e.cfg.Report != nil {
		if err := e.cfg.Report(ctx, e.pressure.Load()); err != nil && !errors.Is(err, context.Canceled) {
			e.log.Warn("report disk pressure", "err", err)
		}
	}
	e.evict(ctx, under, p, now)
	if under || e.near(obs) {
		return max(e.cfg.Interval/10, 10*time.Millisecond)
	}
	return e.cfg.Interval
}

// update turns a reading into the pressure state.
func (e *EvictionMonitor) update(under bool, p pressure, now time.Time) {
	switch {
	case under:
		e.under = now
		if !e.pressure.Load() {
			e.since = now
			e.pressure.Store(true)
			e.log.Warn("node under disk pressure: evicting pods, taking no new ones", "signal", p.signal, "available_bytes", p.available, "threshold", p.threshold())
		}
	case e.pressure.Load() && now.Sub(e.under) >= e.cfg.Transition:
		e.pressure.Store(false)
		e.log.Info("disk pressure over", "seconds", now.Sub(e.since).Seconds())
	}
}

// near reports whether free space is within nearFactor of a threshold.
func (e *EvictionMonitor) near(obs diskObservation) bool {
	nf := obs.nodeFS
	if nf.available < nearFactor*e.cfg.Thresholds.NodeFSMinFree(nf.capacity) {
		return true
	}
	if t, ok := e.cfg.Thresholds.For(SignalImageFS); ok && obs.imageFS != nil {
		return obs.imageFS.available < nearFactor*t.MinFree(obs.imageFS.capacity)
	}
	return false
}

// evict evicts the pods over their own limits, and under pressure the
// first pod in eviction order if none was. Each is done at most once per
// interval, however often free space is read: measuring walks the pods'
// files, and the space an eviction frees shows in the next reading.
func (e *EvictionMonitor) evict(ctx context.Context, under bool, p pressure, now time.Time) {
	limits := now.Sub(e.lastLimits) >= e.cfg.Interval
	forPressure := under && now.Sub(e.lastEvict) >= e.cfg.Interval
	if !limits && !forPressure {
		return
	}
	if limits {
		e.lastLimits = now
	}
	var disks []podDisk
	for _, pod := range e.m.evictable() {
		if forPressure || hasStorageLimit(pod) {
			disks = append(disks, measureDisk(e.m.cfg.DataDir, pod))
		}
	}
	evicted := false
	for _, d := range disks {
		if msg := overLimit(d); msg != "" && e.evictPod(ctx, d.pod.UID, msg) {
			e.log.Warn("evicted pod over its local storage limit", "pod", d.pod.Namespace+"/"+d.pod.Name, "used_bytes", d.used())
			e.count(CauseLimit)
			evicted = true
		}
	}
	if evicted || !forPressure {
		return
	}
	for _, d := range rankForEviction(disks) {
		if e.evictPod(ctx, d.pod.UID, pressureMessage(p.threshold(), p.available, d)) {
			e.lastEvict = now
			e.log.Warn("evicted pod for disk pressure", "pod", d.pod.Namespace+"/"+d.pod.Name, "used_bytes", d.used(),
				"signal", p.signal, "seconds_since_pressure", time.Since(e.since).Seconds())
			e.count(CauseDiskPressure)
			return
		}
	}
}

func (e *EvictionMonitor) count(cause string) {
	if e.cfg.Evicted != nil {
		e.cfg.Evicted(cause)
	}
}

// evictPod evicts one pod, waiting at most evictTimeout.
func (e *EvictionMonitor) evictPod(ctx context.Context, uid, msg string) bool {
	ctx, cancel := context.WithTimeout(ctx, evictTimeout)
	defer cancel()
	return e.m.evictPod(ctx, uid, msg)
}

// hasStorageLimit reports whether the pod has a disk emptyDir sizeLimit
// or an ephemeral-storage limit, which is checked without pressure.
func hasStorageLimit(p *api.Pod) bool {
	if _, ok := storageLimit(p); ok {
		return true
	}
	for _, v := range p.Spec.Volumes {
		if v.EmptyDir != nil && v.EmptyDir.SizeLimit != nil && v.EmptyDir.Medium != api.StorageMediumMemory {
			return true
		}
	}
	return false
}

// observe reads the free space of the data dir's filesystem and of
// containerd's root if that is another one.
func (e *EvictionMonitor) observe() (diskObservation, error) {
	nf, dev, err := statFS(e.m.cfg.DataDir)
	if err != nil {
		return diskObservation{}, err
	}
	obs := diskObservation{nodeFS: nf}
	if e.cfg.ImageFSDir != "" {
		if f, idev, err := statFS(e.cfg.ImageFSDir); err == nil && idev != dev {
			obs.imageFS = &f
		}
	}
	return obs, nil
}
