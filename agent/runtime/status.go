package runtime

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	tasks "github.com/containerd/containerd/api/services/tasks/v1"
	"github.com/containerd/containerd/api/types/task"
	"github.com/containerd/containerd/v2/core/containers"
	"github.com/containerd/errdefs"
	"github.com/containerd/errdefs/pkg/errgrpc"
)

// ContainerState is where a container is in its life.
type ContainerState string

// Container states.
const (
	StateCreated ContainerState = "created" // no run yet, or a task not started
	StateRunning ContainerState = "running"
	StateExited  ContainerState = "exited"
	StateUnknown ContainerState = "unknown"
)

// ContainerInfo is a container and the state of its current run.
type ContainerInfo struct {
	ID     string
	Labels map[string]string // the caller's labels
	Image  string
	State  ContainerState
	Pid    uint32 // 0 unless running
	// ExitCode is the exit status of the last run (128+signal when killed).
	ExitCode              int32
	StartedAt, FinishedAt time.Time
	// OOMKilled: the last run was killed for exceeding its memory limit.
	OOMKilled bool
}

// exitLost is the exit code of a run whose task vanished (containerd's
// state was lost, for example by a reboot).
const exitLost = 255

// ContainerStatus describes container id; ErrNotFound if it is missing.
func (r *Runtime) ContainerStatus(ctx context.Context, id string) (ContainerInfo, error) {
	c, err := r.client.ContainerService().Get(ctx, id)
	if err != nil {
		return ContainerInfo{}, wrapErr(err, "container %s", id)
	}
	resp, err := r.client.TaskService().Get(ctx, &tasks.GetRequest{ContainerID: id})
	var proc *task.Process
	switch {
	case err == nil:
		proc = resp.GetProcess()
	case !errdefs.IsNotFound(errgrpc.ToNative(err)):
		return ContainerInfo{}, wrapErr(errgrpc.ToNative(err), "task of container %s", id)
	}
	return r.info(c, proc), nil
}

// ListContainers describes every container in the namespace.
func (r *Runtime) ListContainers(ctx context.Context) ([]ContainerInfo, error) {
	cs, err := r.client.ContainerService().List(ctx)
	if err != nil {
		return nil, wrapErr(err, "list containers")
	}
	resp, err := r.client.TaskService().List(ctx, &tasks.ListTasksRequest{})
	if err != nil {
		return nil, wrapErr(errgrpc.ToNative(err), "list tasks")
	}
	procs := make(map[string]*task.Process, len(resp.GetTasks()))
	for _, p := range resp.GetTasks() {
		procs[p.GetID()] = p
	}
	out := make([]ContainerInfo, 0, len(cs))
	for _, c := range cs {
		out = append(out, r.info(c, procs[c.ID]))
	}
	return out, nil
}

// info combines a container record and its task (nil if none).
func (r *Runtime) info(c containers.Container, p *task.Process) ContainerInfo {
	ci := ContainerInfo{ID: c.ID, Image: c.Image, Labels: map[string]string{}, State: StateCreated}
	for k, v := range c.Labels {
		if !strings.HasPrefix(k, internalLabelPrefix) {
			ci.Labels[k] = v
		}
	}
	if at, err := time.Parse(time.RFC3339Nano, c.Labels[labelStartedAt]); err == nil {
		ci.StartedAt = at
	}
	switch {
	case p == nil && !ci.StartedAt.IsZero():
		ci.State, ci.ExitCode = StateExited, exitLost
	case p == nil:
	case p.GetStatus() == task.Status_RUNNING, p.GetStatus() == task.Status_PAUSED, p.GetStatus() == task.Status_PAUSING:
		ci.State, ci.Pid = StateRunning, p.GetPid()
	case p.GetStatus() == task.Status_CREATED:
		ci.State = StateCreated
	case p.GetStatus() == task.Status_STOPPED:
		ci.State, ci.ExitCode = StateExited, int32(p.GetExitStatus())
		if at := p.GetExitedAt(); at != nil {
			ci.FinishedAt = at.AsTime()
		}
		ci.OOMKilled = c.Labels[labelOOMKilled] == "true" ||
			ci.ExitCode == 128+9 && cgroupOOMKilled(cgroupsPath(r.cfg.Namespace, c.ID))
	default:
		ci.State = StateUnknown
	}
	return ci
}

// cgroupOOMKilled reads the kernel's OOM-kill count of a container's
// memory cgroup, for the rare exit that comes before containerd's OOM
// event. The cgroup lives until the task is deleted.
func cgroupOOMKilled(path string) bool {
	for _, f := range []string{
		filepath.Join("/sys/fs/cgroup/memory", path, "memory.oom_control"), // v1
		filepath.Join("/sys/fs/cgroup", path, "memory.events"),             // v2
	} {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			var n int
			if _, err := fmt.Sscanf(sc.Text(), "oom_kill %d", &n); err == nil {
				return n > 0
			}
		}
	}
	return false
}
