package pods

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/shoal-dev/shoal/agent/probe"
	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/agent/runtime/cni"
	"github.com/shoal-dev/shoal/api"
)

// pollInterval bounds how long a worker goes without looking at its
// containers when no event wakes it.
const pollInterval = 2 * time.Second

// taggedUpdate is a probe result of one run of one container.
type taggedUpdate struct {
	c   *ctr
	run int
	u   probe.Update
}

// worker runs one pod on this node.
type worker struct {
	m   *Manager
	uid string
	// key is "namespace/name", fixed for the worker's life.
	key string
	pod *api.Pod

	podCh   chan *api.Pod
	nudgeCh chan struct{}
	probeCh chan taggedUpdate
	evictCh chan evictRequest
	stopCh  chan struct{}
	done    chan struct{}
	cancel  context.CancelFunc

	sandbox   *cni.Sandbox
	etc       []runtime.Mount // /etc/hosts, hostname, resolv.conf
	inits     []*ctr
	ctrs      []*ctr
	startTime time.Time
	// message explains a pod-level problem (sandbox, volumes).
	message string
	// failed is set when an init container failed for good, or the pod
	// was evicted.
	failed bool
	// evicted is set once the pod is evicted (read by the eviction
	// monitor); reason is the pod's status reason then.
	evicted atomic.Bool
	reason  string
	conds   map[api.PodConditionType]api.PodCondition

	// grace, if set before stopCh closes, replaces the pod's own grace
	// period when stopping it; remove says the pod is Terminating and is
	// removed from the cluster once stopped; cleaned is set when terminate
	// stopped everything and cleaned up.
	grace   *time.Duration
	remove  bool
	cleaned bool

	// initialized is set once every init container has let the pod's
	// containers start (see isInitialized).
	initialized bool
}

func newWorker(m *Manager, pod *api.Pod) *worker {
	w := &worker{
		m:       m,
		uid:     pod.UID,
		key:     pod.Namespace + "/" + pod.Name,
		pod:     pod,
		podCh:   make(chan *api.Pod, 1),
		nudgeCh: make(chan struct{}, 1),
		probeCh: make(chan taggedUpdate, 16),
		evictCh: make(chan evictRequest),
		stopCh:  make(chan struct{}),
		done:    make(chan struct{}),
		conds:   map[api.PodConditionType]api.PodCondition{},
	}
	for _, c := range pod.Spec.InitContainers {
		sidecar := c.IsSidecar()
		w.inits = append(w.inits, &ctr{spec: c, id: containerID(pod.UID, c.Name), init: true, sidecar: sidecar, started: sidecar && c.StartupProbe == nil})
	}
	for _, c := range pod.Spec.Containers {
		w.ctrs = append(w.ctrs, &ctr{spec: c, id: containerID(pod.UID, c.Name), started: c.StartupProbe == nil})
	}
	return w
}

// event records an event about the pod (or one of its containers).
func (w *worker) event(c *ctr, typ, reason, msg string) {
	name := ""
	if c != nil {
		name = c.spec.Name
	}
	w.m.events.record(w.pod, name, typ, reason, msg)
}

// all lists init containers then containers.
func (w *worker) all() []*ctr { return append(append([]*ctr(nil), w.inits...), w.ctrs...) }

// update hands the worker a newer version of its pod.
func (w *worker) update(p *api.Pod) {
	select {
	case <-w.podCh:
	default:
	}
	w.podCh <- p
}

// nudge wakes the worker to look at its containers now.
func (w *worker) nudge() {
	select {
	case w.nudgeCh <- struct{}{}:
	default:
	}
}

// stop makes the worker stop its containers and remove the pod from the
// node; done closes when that is finished.
func (w *worker) stop() {
	select {
	case <-w.stopCh:
	default:
		close(w.stopCh)
		w.cancel()
	}
}

// stopFor is stop with the grace period given, for a Terminating pod
// (remove: once stopped, it is removed from the cluster).
func (w *worker) stopFor(grace time.Duration, remove bool) {
	if w.stopping() {
		return
	}
	w.grace, w.remove = &grace, remove
	w.stop()
}

func (w *worker) stopping() bool {
	select {
	case <-w.stopCh:
		return true
	default:
		return false
	}
}

// run drives the pod until it is stopped (the pod left this node) or ctx
// ends (the agent stops: containers keep running for the next agent).
func (w *worker) run(ctx context.Context) {
	defer close(w.done)
	if w.stopping() {
		// Started only to stop a Terminating pod: never start anything.
		w.terminate()
		return
	}
	w.m.logger.Debug("pod worker started", "pod", w.key)
	w.restore(ctx)
	w.noteServiceAccount()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		var next time.Duration
		if ctx.Err() == nil {
			next = w.sync(ctx)
			w.report()
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(next)
		select {
		case <-ctx.Done():
			if w.stopping() {
				w.terminate()
			}
			return
		case p := <-w.podCh:
			w.takeImages(ctx, p)
			w.pod = p
		case <-w.nudgeCh:
		case t := <-w.probeCh:
			w.applyProbe(ctx, t)
		case r := <-w.evictCh:
			w.evict(ctx, r.message)
			close(r.done)
		case <-timer.C:
		}
	}
}

// restore picks up what an earlier agent left running: the sandbox, the
// containers and their restart counts (from the pod's reported status).
func (w *worker) restore(ctx context.Context) {
	st := w.pod.Status
	if st.StartTime != nil {
		w.startTime = *st.StartTime
	} else {
		w.startTime = time.Now().UTC().Truncate(time.Second)
	}
	for _, c := range st.Conditions {
		w.conds[c.Type] = c
	}
	if st.Phase == api.PodFailed && st.Reason == ReasonEvicted {
		// Evicted before the agent restarted: it stays evicted.
		w.restoreEvicted(ctx)
		return
	}
	if sb, ok := w.m.net.Lookup(w.uid); ok {
		w.sandbox = &sb
	}
	if w.pod.Spec.HostNetwork {
		w.sandbox = w.m.hostSandbox()
	}
	reported := map[string]api.ContainerStatus{}
	for _, cs := range slices.Concat(st.InitContainerStatuses, st.ContainerStatuses) {
		reported[cs.Name] = cs
	}
	for _, c := range w.all() {
		if cs, ok := reported[c.spec.Name]; ok {
			c.restarts = cs.RestartCount
			c.last = cs.LastState.Terminated
			c.imageID = cs.ImageID
		}
		info, err := w.m.rt.ContainerStatus(ctx, c.id)
		if err != nil {
			// No container record: a run that ended for good stays ended.
			if cs, ok := reported[c.spec.Name]; ok && cs.State.Terminated != nil && !probe.ShouldRestart(w.policyOf(c), cs.State.Terminated.ExitCode) {
				t := *cs.State.Terminated
				c.term = &t
			}
			continue
		}
		c.created = true
		if info.State == runtime.StateRunning && w.sandbox == nil {
			// Its network namespace is gone: the container cannot serve.
			// Stop it; the restart policy decides what comes next.
			w.m.logger.Warn("running container lost its pod sandbox; stopping it", "pod", w.key, "container", c.spec.Name)
			if err := w.m.rt.StopContainer(ctx, c.id, time.Second); err == nil {
				if i, err := w.m.rt.ContainerStatus(ctx, c.id); err == nil {
					info = i
				}
			}
			if info.State == runtime.StateRunning {
				info.State, info.ExitCode, info.FinishedAt = runtime.StateExited, 137, time.Now()
			}
		}
		switch info.State {
		case runtime.StateRunning:
			c.running, c.startedAt = true, info.StartedAt.UTC()
			if cs, ok := reported[c.spec.Name]; ok {
				c.started = c.started || (cs.Started != nil && *cs.Started)
				c.ready = cs.Ready && c.spec.ReadinessProbe != nil
			}
			w.m.logger.Info("adopted running container", "pod", w.pod.Namespace+"/"+w.pod.Name, "container", c.spec.Name, "pid", info.Pid)
			w.startProbes(ctx, c)
		case runtime.StateExited:
			w.exited(c, info)
		}
	}
	for _, c := range w.ctrs {
		if c.created || c.term != nil {
			w.initialized = true // the pod's containers ran: past its init
		}
	}
}

// sync moves the pod one step towards running and returns when to look
// again.
func (w *worker) sync(ctx context.Context) time.Duration {
	pod := w.pod
	if w.terminal() {
		// The pod is over: its sidecars stop for good.
		w.refresh(ctx)
		w.retireSidecars()
		return time.Minute
	}
	if w.sandbox == nil && pod.Spec.HostNetwork {
		w.sandbox = w.m.hostSandbox()
	}
	if w.sandbox == nil {
		t0 := time.Now()
		sb, err := w.setupSandbox(ctx)
		if err != nil {
			w.message = fmt.Sprintf("pod sandbox: %v", err)
			w.event(nil, api.EventWarning, "FailedCreatePodSandBox", w.message)
			w.m.logger.Warn("pod sandbox setup failed", "pod", pod.Namespace+"/"+pod.Name, "err", err)
			return pollInterval
		}
		w.sandbox = &sb
		w.m.logger.Debug("pod sandbox set up", "pod", w.key, "ms", ms(time.Since(t0)))
	}
	vols, err := volumes(w.m.cfg.DataDir, w.m.view, pod)
	if err == nil {
		var etc []runtime.Mount
		etc, err = etcFiles(w.m.cfg.DataDir, pod, w.m.etcEnv(w.sandbox.IP.String()))
		if err == nil {
			w.etc = etc
		}
	}
	if err != nil {
		w.message = err.Error()
		for _, c := range w.all() {
			if !c.created {
				c.waiting = &api.ContainerStateWaiting{Reason: "CreateContainerConfigError", Message: err.Error()}
			}
		}
		return pollInterval
	}
	w.message = ""
	w.refresh(ctx)

	now := time.Now()
	initialized := w.isInitialized()
	next := pollInterval
	for _, c := range w.inits {
		if c.sidecar {
			wait, hold := w.syncSidecar(ctx, c, vols, initialized, now)
			if hold {
				return wait
			}
			next = min(next, wait)
			continue
		}
		if initialized || c.done() {
			continue
		}
		if c.running {
			return pollInterval
		}
		if c.term != nil && !probe.ShouldRestart(w.initPolicy(), c.term.ExitCode) {
			w.failed = true
			return time.Minute
		}
		if now.Before(c.nextStart) {
			return c.nextStart.Sub(now)
		}
		w.start(ctx, c, vols)
		return pollInterval
	}
	for _, c := range w.ctrs {
		if c.running {
			continue
		}
		if c.term != nil && c.waiting == nil {
			continue // exited and staying down (restartPolicy)
		}
		if now.Before(c.nextStart) {
			next = min(next, c.nextStart.Sub(now))
			continue
		}
		w.start(ctx, c, vols)
	}
	return next
}

// initPolicy is the restart policy of init containers: Never stays Never,
// anything else retries until they succeed.
func (w *worker) initPolicy() api.RestartPolicy {
	if w.pod.Spec.RestartPolicy == api.RestartNever {
		return api.RestartNever
	}
	return api.RestartOnFailure
}

// policyOf is the restart policy that applies to c.
func (w *worker) policyOf(c *ctr) api.RestartPolicy {
	if c.sidecar {
		return api.RestartAlways
	}
	if c.init {
		return w.initPolicy()
	}
	return w.pod.Spec.RestartPolicy
}

// refresh looks at the containers the worker believes running and records
// the ones that exited.
func (w *worker) refresh(ctx context.Context) {
	for _, c := range w.all() {
		if !c.running {
			continue
		}
		info, err := w.m.rt.ContainerStatus(ctx, c.id)
		switch {
		case errors.Is(err, runtime.ErrNotFound):
			c.created = false
			w.exited(c, runtime.ContainerInfo{State: runtime.StateExited, ExitCode: 137, FinishedAt: time.Now()})
		case err != nil:
			w.m.logger.Debug("container status", "container", c.id, "err", err)
		case info.State != runtime.StateRunning:
			w.exited(c, info)
		}
	}
}

// exited records the end of c's run and schedules its restart, if the
// restart policy wants one.
func (w *worker) exited(c *ctr, info runtime.ContainerInfo) {
	c.stopProbes()
	c.running, c.ready = false, false
	if c.spec.StartupProbe != nil {
		c.started = false
	}
	reason := "Error"
	switch {
	case info.OOMKilled:
		reason = "OOMKilled"
	case info.ExitCode == 0:
		reason = "Completed"
	}
	started, finished := c.startedAt, info.FinishedAt.UTC()
	if !info.StartedAt.IsZero() {
		started = info.StartedAt.UTC()
	}
	if finished.IsZero() {
		finished = time.Now().UTC()
	}
	c.term = &api.ContainerStateTerminated{
		ExitCode: info.ExitCode, Reason: reason, Message: c.killReason,
		StartedAt: timePtr(started), FinishedAt: timePtr(finished),
	}
	c.killReason = ""
	c.waiting = nil
	if c.respawn {
		c.respawn = false
		c.nextStart = time.Now()
		c.waiting = &api.ContainerStateWaiting{Reason: "ContainerCreating", Message: "restarting with a new image"}
		return
	}
	if c.retired || !probe.ShouldRestart(w.policyOf(c), info.ExitCode) {
		return
	}
	delay := w.m.cfg.Backoff.Delay(c.restarts+1, finished.Sub(started))
	w.event(c, api.EventWarning, "BackOff", "Back-off restarting failed container "+c.spec.Name)
	c.nextStart = time.Now().Add(delay)
	c.waiting = &api.ContainerStateWaiting{
		Reason:  "CrashLoopBackOff",
		Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s", delay.Round(time.Second), c.spec.Name, w.pod.Name),
	}
	w.m.logger.Info("container exited", "pod", w.pod.Namespace+"/"+w.pod.Name, "container", c.spec.Name, "exit_code", info.ExitCode, "reason", reason, "restart_in", delay)
}

// start (re)starts c: image, fresh container, task.
func (w *worker) start(ctx context.Context, c *ctr, vols map[string]string) {
	pod := w.pod
	t0, early := time.Now(), c.fresh
	if !c.fresh && !w.create(ctx, c, vols, w.etc, w.sandbox.NetNSPath, w.sandbox.IP.String()) {
		return
	}
	c.fresh = false
	// This run's number: counted once it has really started.
	run := c.restarts
	if c.term != nil {
		run++
	}
	logPath := LogPath(w.m.cfg.DataDir, pod.Namespace, pod.Name, pod.UID, c.spec.Name, run)
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		w.startFailed(c, "CreateContainerError", err)
		return
	}
	removeOldLogs(logPath, run)
	t2 := time.Now()
	if _, err := w.m.rt.StartContainer(ctx, c.id, logPath); err != nil {
		w.startFailed(c, "RunContainerError", err)
		return
	}
	if c.term != nil {
		c.last = c.term
	}
	c.restarts = run
	c.failures, c.term, c.waiting = 0, nil, nil
	c.running, c.startedAt = true, time.Now().UTC().Truncate(time.Second)
	c.started = c.spec.StartupProbe == nil
	c.ready = false
	w.event(c, api.EventNormal, "Started", "Started container "+c.spec.Name)
	w.m.logger.Info("container started", "pod", pod.Namespace+"/"+pod.Name, "container", c.spec.Name, "restarts", c.restarts,
		"created_early", early, "create_ms", ms(t2.Sub(t0)), "start_ms", ms(time.Since(t2)))
	if (!c.init || c.sidecar) && w.postStart(ctx, c) {
		w.startProbes(ctx, c)
	}
}

// create makes c's container for its next run: image, then a fresh
// container (the previous one removed) in network namespace netns. It
// reports false, with c waiting and its retry paced, when that failed.
func (w *worker) create(ctx context.Context, c *ctr, vols map[string]string, etc []runtime.Mount, netns, podIP string) bool {
	pod := w.pod
	img, err := w.ensureImage(ctx, c)
	if err != nil {
		reason := "ErrImagePull"
		if c.failures > 0 {
			reason = "ImagePullBackOff"
		}
		if c.spec.ImagePullPolicy == api.PullNever {
			reason = "ErrImageNeverPull"
		}
		w.startFailed(c, reason, err)
		return false
	}
	c.imageID = img.Digest
	env, err := resolveEnv(w.m.view, pod, &c.spec, podIP, w.m.cfg.NodeIP)
	var cfg runtime.ContainerConfig
	if err == nil {
		cfg, err = containerConfig(pod, &c.spec, env, vols, etc, netns, podDir(w.m.cfg.DataDir, w.uid))
	}
	if err != nil {
		w.startFailed(c, "CreateContainerConfigError", err)
		return false
	}
	if c.created {
		// A fresh container per run, as kubelet: current env, clean rootfs.
		if err := w.m.rt.RemoveContainer(ctx, c.id); err != nil {
			w.startFailed(c, "CreateContainerError", fmt.Errorf("remove previous container: %w", err))
			return false
		}
		c.created = false
	}
	if err := w.m.rt.CreateContainer(ctx, cfg); err != nil && !errors.Is(err, runtime.ErrExists) {
		w.startFailed(c, "CreateContainerError", err)
		return false
	}
	c.created = true
	w.event(c, api.EventNormal, "Created", "Created container "+c.spec.Name)
	return true
}

// startFailed records a failed attempt to start c and paces the next.
func (w *worker) startFailed(c *ctr, reason string, err error) {
	c.failures++
	delay := w.m.cfg.Backoff.Delay(int32(c.failures), 0)
	c.nextStart = time.Now().Add(delay)
	c.waiting = &api.ContainerStateWaiting{Reason: reason, Message: err.Error()}
	w.event(c, api.EventWarning, "Failed", "Error: "+reason+": "+err.Error())
	w.m.logger.Warn("container start failed", "pod", w.key, "container", c.spec.Name, "reason", reason, "err", err, "retry_in", delay)
}

// terminated reports whether the pod is over: a failed init container, or
// every container exited for good.
func (w *worker) terminal() bool {
	if w.failed {
		return true
	}
	for _, c := range w.ctrs {
		if c.running || c.term == nil || c.waiting != nil {
			return false
		}
	}
	return len(w.ctrs) > 0
}

// terminate stops every container (SIGTERM, grace period, SIGKILL) and
// removes the pod from the node: containers, sandbox, files, logs.
func (w *worker) terminate() {
	pod := w.pod
	grace := time.Duration(api.DefaultTerminationGracePeriodSeconds) * time.Second
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	if w.grace != nil {
		grace = *w.grace
	}
	ctx, cancel := context.WithTimeout(context.Background(), grace+30*time.Second)
	defer cancel()
	for _, c := range w.all() {
		c.stopProbes()
	}
	defer w.m.events.forget(ctx, w.uid)
	errs := w.stopAll(ctx, grace)
	if !pod.Spec.HostNetwork { // a hostNetwork pod has no sandbox
		errs = append(errs, w.m.net.Teardown(ctx, w.uid))
	}
	errs = append(errs, removePodDir(podDir(w.m.cfg.DataDir, w.uid)))
	errs = append(errs, os.RemoveAll(logDir(w.m.cfg.DataDir, pod.Namespace, pod.Name, pod.UID)))
	if err := errors.Join(errs...); err != nil {
		w.m.logger.Warn("pod cleanup incomplete; garbage collection retries", "pod", pod.Namespace+"/"+pod.Name, "err", err)
		return
	}
	w.cleaned = true
	w.m.logger.Info("pod removed from node", "pod", pod.Namespace+"/"+pod.Name)
}

// ms is d in milliseconds, for logs.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func timePtr(t time.Time) *time.Time {
	t = t.UTC().Truncate(time.Second)
	return &t
}

// portMappings are the pod's hostPorts for the portmap plugin.
func portMappings(pod *api.Pod) []cni.PortMapping {
	var out []cni.PortMapping
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort == 0 {
				continue
			}
			proto := string(p.Protocol)
			if proto == "" {
				proto = "TCP"
			}
			out = append(out, cni.PortMapping{HostPort: p.HostPort, ContainerPort: p.ContainerPort, Protocol: proto})
		}
	}
	return out
}
