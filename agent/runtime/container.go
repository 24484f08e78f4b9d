package runtime

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/containerd/containerd/api/types/runc/options"
	containerd "github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/cio"
	"github.com/containerd/errdefs"
)

// Labels the runtime keeps on containers for itself; ContainerStatus
// does not report them.
const (
	internalLabelPrefix = "shoal.dev/runtime."
	labelOOMKilled      = internalLabelPrefix + "oom-killed" // "true" once the current run hit its memory limit
	labelStartedAt      = internalLabelPrefix + "started-at" // RFC 3339 start of the current run
	// labelPreparedLog is the log path of a task PrepareTask created and
	// StartContainer has not started yet.
	labelPreparedLog = internalLabelPrefix + "prepared-log"
)

// runcRuntime is the containerd shim every container uses.
const runcRuntime = "io.containerd.runc.v2"

// CreateContainer creates container cfg.ID with a fresh snapshot of its
// image. It returns an error wrapping ErrExists if the ID is taken and
// ErrNotFound if the image is missing.
func (r *Runtime) CreateContainer(ctx context.Context, cfg ContainerConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if _, err := r.client.LoadContainer(ctx, cfg.ID); err == nil {
		return fmt.Errorf("create container %s: %w", cfg.ID, ErrExists)
	}
	full, err := NormalizeRef(cfg.Image)
	if err != nil {
		return err
	}
	image, err := r.client.GetImage(ctx, full)
	if err != nil {
		return wrapErr(err, "create container %s: image %s", cfg.ID, full)
	}
	if ok, err := image.IsUnpacked(ctx, Snapshotter); err != nil || !ok {
		if err := image.Unpack(ctx, Snapshotter); err != nil {
			return fmt.Errorf("create container %s: unpack %s: %w", cfg.ID, full, err)
		}
	}
	labels := make(map[string]string, len(cfg.Labels))
	for k, v := range cfg.Labels {
		labels[k] = v
	}
	var runtimeOpts any
	if r.embed != nil {
		// runc's state under our own state dir, so embedded containerds on
		// one host never share runc state.
		runtimeOpts = &options.Options{Root: filepath.Join(r.embed.dir, "state", "runc", r.cfg.Namespace)}
	}
	_, err = r.client.NewContainer(ctx, cfg.ID,
		containerd.WithImage(image),
		containerd.WithSnapshotter(Snapshotter),
		containerd.WithNewSnapshot(cfg.ID, image),
		containerd.WithRuntime(runcRuntime, runtimeOpts),
		containerd.WithNewSpec(r.specOpts(image, &cfg)...),
		containerd.WithContainerLabels(labels),
	)
	if err != nil {
		if !errdefs.IsAlreadyExists(err) {
			// NewContainer may have made the snapshot before failing.
			_ = r.client.SnapshotService(Snapshotter).Remove(context.WithoutCancel(ctx), cfg.ID)
		}
		return wrapErr(err, "create container %s", cfg.ID)
	}
	return nil
}

// StartContainer starts a new run of container id: it deletes the task of
// the previous run, if any, and starts a new one whose stdout and stderr
// containerd's shim appends to logPath (so output is kept while the agent
// is down). A task PrepareTask created for the same logPath is started
// as it is. It returns the new task's pid.
func (r *Runtime) StartContainer(ctx context.Context, id, logPath string) (uint32, error) {
	if !filepath.IsAbs(logPath) {
		return 0, fmt.Errorf("start container %s: log path %q is not absolute", id, logPath)
	}
	c, err := r.client.LoadContainer(ctx, id)
	if err != nil {
		return 0, wrapErr(err, "start container %s", id)
	}
	t0 := time.Now()
	task, prepared := r.preparedTask(ctx, c, logPath)
	if !prepared {
		if task, err = r.newTask(ctx, c, logPath); err != nil {
			return 0, err
		}
	}
	if _, err := c.SetLabels(ctx, map[string]string{
		labelOOMKilled:   "false",
		labelStartedAt:   time.Now().UTC().Format(time.RFC3339Nano),
		labelPreparedLog: "",
	}); err != nil {
		_, _ = task.Delete(context.WithoutCancel(ctx), containerd.WithProcessKill)
		return 0, wrapErr(err, "start container %s: label", id)
	}
	t1 := time.Now()
	if err := task.Start(ctx); err != nil {
		_, _ = task.Delete(context.WithoutCancel(ctx), containerd.WithProcessKill)
		return 0, wrapErr(err, "start container %s", id)
	}
	// Task creation starts the shim and runs runc create; start is runc
	// start.
	r.logger.Debug("task started", "container", id, "prepared", prepared, "create_task_ms", ms(t1.Sub(t0)), "start_ms", ms(time.Since(t1)))
	return task.Pid(), nil
}

// PrepareTask creates the task of container id's next run without
// starting it: containerd starts the shim and runc creates the process,
// its namespaces and mounts, which then waits. StartContainer with the
// same logPath starts it; any other call replaces it. This takes the
// slowest part of a start off the path of a pod whose network is still
// being set up (the container's network namespace must exist already).
func (r *Runtime) PrepareTask(ctx context.Context, id, logPath string) error {
	if !filepath.IsAbs(logPath) {
		return fmt.Errorf("prepare task of %s: log path %q is not absolute", id, logPath)
	}
	c, err := r.client.LoadContainer(ctx, id)
	if err != nil {
		return wrapErr(err, "prepare task of %s", id)
	}
	t0 := time.Now()
	task, err := r.newTask(ctx, c, logPath)
	if err != nil {
		return err
	}
	if _, err := c.SetLabels(ctx, map[string]string{labelPreparedLog: logPath}); err != nil {
		_, _ = task.Delete(context.WithoutCancel(ctx), containerd.WithProcessKill)
		return wrapErr(err, "prepare task of %s: label", id)
	}
	r.logger.Debug("task prepared", "container", id, "create_task_ms", ms(time.Since(t0)))
	return nil
}

// newTask deletes the task of c's previous run, if any, and creates a
// new one logging to logPath.
func (r *Runtime) newTask(ctx context.Context, c containerd.Container, logPath string) (containerd.Task, error) {
	if err := r.deleteStoppedTask(ctx, c); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, fmt.Errorf("start container %s: log dir: %w", c.ID(), err)
	}
	task, err := c.NewTask(ctx, cio.LogFile(logPath))
	if err != nil {
		return nil, wrapErr(err, "start container %s: create task", c.ID())
	}
	return task, nil
}

// preparedTask finds the task PrepareTask made for logPath, still
// waiting to start.
func (r *Runtime) preparedTask(ctx context.Context, c containerd.Container, logPath string) (containerd.Task, bool) {
	labels, err := c.Labels(ctx)
	if err != nil || labels[labelPreparedLog] != logPath {
		return nil, false
	}
	task, err := c.Task(ctx, nil)
	if err != nil {
		return nil, false
	}
	if st, err := task.Status(ctx); err != nil || st.Status != containerd.Created {
		return nil, false
	}
	return task, true
}

// deleteStoppedTask removes the task of a previous run; a task that still
// runs is an error wrapping ErrExists.
func (r *Runtime) deleteStoppedTask(ctx context.Context, c containerd.Container) error {
	task, err := c.Task(ctx, nil)
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return wrapErr(err, "start container %s: old task", c.ID())
	}
	st, err := task.Status(ctx)
	if err != nil && !errdefs.IsNotFound(err) {
		return wrapErr(err, "start container %s: old task status", c.ID())
	}
	if err == nil && st.Status != containerd.Stopped && st.Status != containerd.Created {
		return fmt.Errorf("start container %s: task is %s: %w", c.ID(), st.Status, ErrExists)
	}
	if _, err := task.Delete(ctx, containerd.WithProcessKill); err != nil && !errdefs.IsNotFound(err) {
		return wrapErr(err, "start container %s: delete old task", c.ID())
	}
	return nil
}

// StopContainer sends SIGTERM, waits up to grace for the task to exit,
// then sends SIGKILL and waits for the exit. A container that is missing
// or not running is not an error.
func (r *Runtime) StopContainer(ctx context.Context, id string, grace time.Duration) error {
	task, err := r.task(ctx, id)
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return wrapErr(err, "stop container %s", id)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	exited, err := task.Wait(wctx)
	if err != nil {
		return wrapErr(err, "stop container %s: wait", id)
	}
	if st, err := task.Status(ctx); err != nil || st.Status != containerd.Running && st.Status != containerd.Paused {
		return nil
	}
	if err := task.Kill(ctx, syscall.SIGTERM); err != nil && !errdefs.IsNotFound(err) {
		return wrapErr(err, "stop container %s: SIGTERM", id)
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-exited:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop container %s: %w", id, ctx.Err())
	case <-timer.C:
	}
	if err := task.Kill(ctx, syscall.SIGKILL, containerd.WithKillAll); err != nil && !errdefs.IsNotFound(err) {
		return wrapErr(err, "stop container %s: SIGKILL", id)
	}
	select {
	case <-exited:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop container %s: wait after SIGKILL: %w", id, ctx.Err())
	}
}

// KillContainer sends sig to the container's main process.
func (r *Runtime) KillContainer(ctx context.Context, id string, sig syscall.Signal) error {
	task, err := r.task(ctx, id)
	if err != nil {
		return wrapErr(err, "kill container %s", id)
	}
	if err := task.Kill(ctx, sig); err != nil {
		return wrapErr(err, "kill container %s", id)
	}
	return nil
}

// RemoveContainer kills and deletes the task, then deletes the container
// and its snapshot. A missing container is not an error.
func (r *Runtime) RemoveContainer(ctx context.Context, id string) error {
	c, err := r.client.LoadContainer(ctx, id)
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return wrapErr(err, "remove container %s", id)
	}
	if task, err := c.Task(ctx, nil); err == nil {
		if _, err := task.Delete(ctx, containerd.WithProcessKill); err != nil && !errdefs.IsNotFound(err) {
			return wrapErr(err, "remove container %s: delete task", id)
		}
	} else if !errdefs.IsNotFound(err) {
		return wrapErr(err, "remove container %s: task", id)
	}
	if err := c.Delete(ctx, containerd.WithSnapshotCleanup); err != nil && !errdefs.IsNotFound(err) {
		return wrapErr(err, "remove container %s", id)
	}
	return nil
}

func (r *Runtime) task(ctx context.Context, id string) (containerd.Task, error) {
	c, err := r.client.LoadContainer(ctx, id)
	if err != nil {
		return nil, err
	}
	return c.Task(ctx, nil)
}

// ms is d in milliseconds, for logs.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
