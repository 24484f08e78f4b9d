package pods

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/shoal-dev/shoal/agent/probe"
	"github.com/shoal-dev/shoal/api"
)

// gcInterval is how often containers, sandboxes and files that no pod
// claims are removed.
const gcInterval = 30 * time.Second

// Config configures a Manager.
type Config struct {
	// NodeName is this node: pods with this spec.nodeName run here.
	NodeName string
	// NodeIP is reported as the pods' hostIP.
	NodeIP string
	// DataDir holds pod files, volumes and logs.
	DataDir string
	// ClusterDomain is the DNS zone in pods' resolv.conf search path.
	ClusterDomain string
	// DNSIP is the nameserver in pods' resolv.conf.
	DNSIP string
	// Backoff paces restarts of crashing containers and failed pulls.
	Backoff probe.Backoff
	// Fenced reports whether this node is cut off from the cluster; while
	// it is, StatefulSet pods are stopped (their identity may be taken
	// over elsewhere).
	Fenced func() bool
	// GCInterval is how often (and how long after start) containers,
	// sandboxes and files no pod claims are removed; 0 means 30 s.
	GCInterval time.Duration
	// Events receives the events of pods (pulled, started, back-off…);
	// nil drops them.
	Events EventSink
	// Remove removes from the cluster a Terminating pod this node has
	// stopped and cleaned up, guarded by its uid; nil leaves it (tests).
	Remove PodRemover
	// CaughtUp blocks until the local replica has applied what the
	// cluster committed (Raft CaughtUp) and reports true, or false once
	// ctx ends. The manager neither starts, stops nor garbage-collects
	// anything before it returns true: after an agent restart the replica
	// starts from its last snapshot, where a pod deleted since still
	// exists and a pod created since does not. nil means caught up.
	CaughtUp func(ctx context.Context) bool
	Logger   *slog.Logger

	// Node files for pod DNS and host namespaces (issue 12, dns.go).

	// DNSUpstreams are the agent's --dns-upstream resolvers ("IP[:PORT]"):
	// the nameservers of dnsPolicy Default; none means the host's.
	DNSUpstreams []string
	// HostResolvConf and HostHosts are the node's resolv.conf and hosts
	// files ("" means /etc/resolv.conf and /etc/hosts), read for dnsPolicy
	// Default and for hostNetwork pods.
	HostResolvConf, HostHosts string
}

// Manager runs the pods assigned to this node.
type Manager struct {
	cfg      Config
	rt       Runtime
	net      Network
	view     View
	reporter *reporter
	events   *recorder
	logger   *slog.Logger

	mu      sync.Mutex
	workers map[string]*worker // by pod uid
	byID    map[string]*worker // by container ID
	wg      sync.WaitGroup
	// resync asks the loop for a pass now (a worker finished).
	resync chan struct{}
	// leaving is set when the node leaves the cluster: it runs no pods.
	leaving atomic.Bool
	// stopped holds the uids of Terminating pods stopped and cleaned up
	// here, until the cluster has removed them; removing holds the ones
	// whose removal is under way; retryStop paces another attempt to stop
	// a pod whose cleanup failed.
	stopped   map[string]bool
	removing  map[string]bool
	retryStop map[string]time.Time
}

// New returns a Manager; Run starts it.
func New(cfg Config, rt Runtime, net Network, view View, sink StatusSink) *Manager {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.GCInterval <= 0 {
		cfg.GCInterval = gcInterval
	}
	if cfg.Fenced == nil {
		cfg.Fenced = func() bool { return false }
	}
	if cfg.CaughtUp == nil {
		cfg.CaughtUp = func(context.Context) bool { return true }
	}
	return &Manager{
		cfg: cfg, rt: rt, net: net, view: view,
		reporter:  newReporter(sink, cfg.Logger),
		events:    newRecorder(cfg.Events, cfg.NodeName, cfg.Logger),
		logger:    cfg.Logger,
		workers:   map[string]*worker{},
		byID:      map[string]*worker{},
		resync:    make(chan struct{}, 1),
		stopped:   map[string]bool{},
		removing:  map[string]bool{},
		retryStop: map[string]time.Time{},
	}
}

// Run reconciles until ctx ends. Running containers are left running when
// it returns: the next agent adopts them.
func (m *Manager) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return m.reporter.Run(ctx) })
	g.Go(func() error { return m.events.Run(ctx) })
	g.Go(func() error { m.dispatchExits(ctx); return nil })
	g.Go(func() error { m.loop(ctx); return nil })
	err := g.Wait()
	m.wg.Wait()
	return err
}

func (m *Manager) loop(ctx context.Context) {
	// Until the replica has caught up, running containers run on as they
	// are and nothing is started, stopped or collected.
	if !m.cfg.CaughtUp(ctx) {
		return
	}
	m.logger.Info("replica caught up; reconciling pods")
	events := m.view.Watch(ctx, "Pod", "ConfigMap", "Secret", "PersistentVolumeClaim")
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	m.sync(ctx)
	// The first collection waits one interval as well, for pods whose
	// workers are still starting.
	lastGC, lastRotate := time.Now(), time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				// Fell behind: watch again and resync everything.
				events = m.view.Watch(ctx, "Pod", "ConfigMap", "Secret", "PersistentVolumeClaim")
			} else if api.KeyOf(ev.Object).Kind == "PersistentVolumeClaim" {
				m.removeDeletedClaims(ctx)
				continue
			} else if api.KeyOf(ev.Object).Kind != "Pod" {
				m.nudgeAll()
				continue
			}
		case <-tick.C:
		case <-m.resync:
		}
		m.sync(ctx)
		m.removeDeletedClaims(ctx)
		if time.Since(lastRotate) > rotateInterval {
			m.rotateLogs()
			lastRotate = time.Now()
		}
		if time.Since(lastGC) > m.cfg.GCInterval {
			m.gc(ctx)
			lastGC = time.Now()
		}
	}
}

// StopAll stops every pod on this node for good (the node leaves the
// cluster) and waits until they are gone or ctx ends.
func (m *Manager) StopAll(ctx context.Context) error {
	m.leaving.Store(true)
	m.sync(ctx)
	for {
		m.mu.Lock()
		n := len(m.workers)
		m.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d pods still stopping: %w", n, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// assigned lists the pods this node should run, by uid, and the uids of
// the StatefulSet pods bound here that it must not run because it is
// fenced.
func (m *Manager) assigned() (out map[string]*api.Pod, fencedOut map[string]bool) {
	out, fencedOut = map[string]*api.Pod{}, map[string]bool{}
	if m.leaving.Load() {
		return out, fencedOut
	}
	fenced := m.cfg.Fenced()
	for _, o := range m.view.List("Pod", "", nil) {
		p := o.(*api.Pod)
		if p.Spec.NodeName != m.cfg.NodeName || p.DeletionTimestamp != nil {
			continue
		}
		if fenced && ownedBy(p, "StatefulSet") {
			fencedOut[p.UID] = true
			continue
		}
		out[p.UID] = p
	}
	return out, fencedOut
}

func ownedBy(p *api.Pod, kind string) bool {
	for _, r := range p.OwnerReferences {
		if r.Kind == kind {
			return true
		}
	}
	return false
}

// sync starts workers for new pods, hands changed pods to theirs, stops
// the workers of pods that are gone or Terminating, and removes from the
// cluster the Terminating pods it has stopped.
func (m *Manager) sync(ctx context.Context) {
	want, fencedOut := m.assigned()
	doomed := m.terminatingHere()
	m.mu.Lock()
	defer m.mu.Unlock()
	for uid, w := range m.workers {
		if _, ok := want[uid]; ok || w.stopping() {
			continue
		}
		if p, ok := doomed[uid]; ok {
			m.logger.Info("pod is terminating; stopping it", "pod", w.key, "grace", remainingGrace(p, time.Now()))
			w.stopFor(remainingGrace(p, time.Now()), true)
			continue
		}
		if fencedOut[uid] {
			// The cluster starts its replacement a fixed margin after
			// this node fenced itself, whatever the pod's grace period:
			// kill it now, or two pods of one identity could run.
			m.logger.Warn("fenced: killing StatefulSet pod at once (no grace period)", "pod", w.key)
			w.stopFor(0, false)
			continue
		}
		m.logger.Info("pod left this node; stopping it", "pod", w.key)
		w.stop()
	}
	m.finishTerminating(ctx, doomed)
	terminating := map[string]bool{}
	for _, w := range m.workers {
		if w.stopping() {
			terminating[w.key] = true
		}
	}
	for uid, p := range want {
		if w, ok := m.workers[uid]; ok {
			if !w.stopping() {
				w.update(p)
			}
			continue
		}
		if terminating[p.Namespace+"/"+p.Name] {
			// A pod of the same name (a StatefulSet identity) is still in
			// its grace period here: at most one runs at a time.
			continue
		}
		m.startWorker(ctx, p, nil)
	}
}

// startWorker runs a worker for p; with stopGrace set, a worker that only
// stops the Terminating pod p (within that grace) and cleans up. The
// caller holds mu.
func (m *Manager) startWorker(ctx context.Context, p *api.Pod, stopGrace *time.Duration) {
	w := newWorker(m, p)
	wctx, cancel := context.WithCancel(ctx)
	w.cancel = cancel
	if stopGrace != nil {
		w.stopFor(*stopGrace, true) // before it runs: it never starts anything
	}
	m.workers[p.UID] = w
	for _, c := range w.all() {
		m.byID[c.id] = w
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		w.run(wctx)
		m.forget(w)
	}()
}

// forget drops a finished worker; a Terminating pod it stopped and
// cleaned up is marked for removal from the cluster.
func (m *Manager) forget(w *worker) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if w.remove {
		if w.cleaned {
			m.stopped[w.uid] = true
			delete(m.retryStop, w.uid)
		} else {
			m.retryStop[w.uid] = time.Now().Add(pollInterval)
		}
	}
	if m.workers[w.uid] == w {
		delete(m.workers, w.uid)
	}
	for _, c := range w.all() {
		if m.byID[c.id] == w {
			delete(m.byID, c.id)
		}
	}
	select {
	case m.resync <- struct{}{}:
	default:
	}
}

func (m *Manager) nudgeAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, w := range m.workers {
		w.nudge()
	}
}

// dispatchExits wakes the worker whose container exited.
func (m *Manager) dispatchExits(ctx context.Context) {
	exits := m.rt.Exits()
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-exits:
			m.mu.Lock()
			w := m.byID[id]
			m.mu.Unlock()
			if w != nil {
				w.nudge()
			}
		}
	}
}

// gc removes what no pod of this node claims: containers and sandboxes
// left by pods deleted while the agent was down, pod directories and logs.
func (m *Manager) gc(ctx context.Context) {
	m.mu.Lock()
	live := make(map[string]bool, len(m.workers))
	for uid := range m.workers {
		live[uid] = true
	}
	m.mu.Unlock()
	var errs []error
	if ctrs, err := m.rt.ListContainers(ctx); err != nil {
		errs = append(errs, err)
	} else {
		for _, c := range ctrs {
			uid := c.Labels[LabelPodUID]
			if uid == "" || live[uid] {
				continue
			}
			m.logger.Info("removing container of a pod that is gone", "container", c.ID, "pod", c.Labels[LabelPodNamespace]+"/"+c.Labels[LabelPodName])
			if err := m.rt.StopContainer(ctx, c.ID, 10*time.Second); err != nil {
				errs = append(errs, err)
			}
			errs = append(errs, m.rt.RemoveContainer(ctx, c.ID))
		}
	}
	if uids, err := m.net.List(); err != nil {
		errs = append(errs, err)
	} else {
		for _, uid := range uids {
			if !live[uid] {
				errs = append(errs, m.net.Teardown(ctx, uid))
			}
		}
	}
	errs = append(errs, removeUnclaimed(filepath.Join(m.cfg.DataDir, "pods"), live, func(n string) string { return n }, removePodDir))
	errs = append(errs, removeUnclaimed(filepath.Join(m.cfg.DataDir, "logs"), live, func(n string) string {
		return n[strings.LastIndexByte(n, '_')+1:]
	}, os.RemoveAll))
	if err := errors.Join(errs...); err != nil {
		m.logger.Warn("garbage collection", "err", err)
	}
}

// removeUnclaimed removes the entries of dir whose uid (uidOf their name)
// is not live, with remove.
func removeUnclaimed(dir string, live map[string]bool, uidOf func(string) string, remove func(string) error) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range ents {
		if !live[uidOf(e.Name())] {
			errs = append(errs, remove(filepath.Join(dir, e.Name())))
		}
	}
	return errors.Join(errs...)
}
