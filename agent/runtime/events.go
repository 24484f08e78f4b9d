package runtime

import (
	"context"
	"fmt"
	"time"

	apievents "github.com/containerd/containerd/api/events"
	tasks "github.com/containerd/containerd/api/services/tasks/v1"
	"github.com/containerd/containerd/api/types/task"
	"github.com/containerd/typeurl/v2"
)

// followEvents subscribes to containerd's task exit and OOM events until
// ctx ends, subscribing again whenever the stream breaks (containerd
// restarted).
func (r *Runtime) followEvents(ctx context.Context) {
	for {
		err := r.subscribe(ctx)
		if ctx.Err() != nil {
			return
		}
		r.logger.Debug("containerd event stream ended; subscribing again", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// subscribe follows one event stream until it fails or ctx ends.
func (r *Runtime) subscribe(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ns := fmt.Sprintf("namespace==%q", r.cfg.Namespace)
	events, errs := r.client.EventService().Subscribe(ctx,
		`topic=="/tasks/exit",`+ns,
		`topic=="/tasks/oom",`+ns,
	)
	// Exits while no stream was open are lost; report every stopped task
	// once so the reader catches up.
	if err := r.reportStopped(ctx); err != nil {
		r.logger.Debug("list stopped tasks", "err", err)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errs:
			return err
		case env := <-events:
			if env == nil || env.Event == nil {
				continue
			}
			ev, err := typeurl.UnmarshalAny(env.Event)
			if err != nil {
				r.logger.Debug("decode containerd event", "topic", env.Topic, "err", err)
				continue
			}
			r.handleEvent(ctx, ev)
		}
	}
}

func (r *Runtime) handleEvent(ctx context.Context, ev any) {
	switch e := ev.(type) {
	case *apievents.TaskOOM:
		r.markOOM(ctx, e.GetContainerID())
	case *apievents.TaskExit:
		if e.GetID() == e.GetContainerID() { // the main process, not an exec
			r.sendExit(e.GetContainerID())
		}
	}
}

// markOOM records on the container that its current run hit its memory
// limit; the label outlives agent restarts, StartContainer clears it.
func (r *Runtime) markOOM(ctx context.Context, id string) {
	c, err := r.client.LoadContainer(ctx, id)
	if err == nil {
		_, err = c.SetLabels(ctx, map[string]string{labelOOMKilled: "true"})
	}
	if err != nil {
		r.logger.Warn("record OOM kill", "container", id, "err", err)
		return
	}
	r.logger.Info("container hit its memory limit", "container", id)
}

func (r *Runtime) reportStopped(ctx context.Context) error {
	resp, err := r.client.TaskService().List(ctx, &tasks.ListTasksRequest{})
	if err != nil {
		return err
	}
	for _, p := range resp.GetTasks() {
		if p.GetStatus() == task.Status_STOPPED {
			r.sendExit(p.GetID())
		}
	}
	return nil
}

// sendExit never blocks: a full buffer drops the exit (readers poll too).
func (r *Runtime) sendExit(id string) {
	select {
	case r.exits <- id:
	default:
		r.logger.Debug("exit channel full; dropping exit", "container", id)
	}
}
