package runtime

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/testimage"
)

// taskPid is the pid of container id's current task (its runc init while
// the task is only created).
func taskPid(t *testing.T, r *Runtime, id string) uint32 {
	t.Helper()
	task, err := r.task(context.Background(), id)
	if err != nil {
		t.Fatalf("task of %s: %v", id, err)
	}
	return task.Pid()
}

// TestPrepareTask checks that a prepared task waits without running its
// process, that StartContainer with the same log starts that very task,
// and that one with another log replaces it (the output goes to the log
// StartContainer names).
func TestPrepareTask(t *testing.T) {
	r := newTestEnv(t).open(t, true)
	importImages(t, r)
	for _, tt := range []struct {
		name   string
		other  bool // StartContainer names another log
		reused bool
	}{
		{name: "same log starts the prepared task", reused: true},
		{name: "other log replaces it", other: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			id := map[bool]string{false: "prep-same", true: "prep-other"}[tt.other]
			cfg := ContainerConfig{ID: id, Image: testimage.BusyboxRef, Command: []string{"sh", "-c", "echo ran; sleep 1000"}}
			if err := r.CreateContainer(ctx, cfg); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = r.RemoveContainer(context.Background(), id) })
			prepared := filepath.Join(r.cfg.DataDir, "logs", id, "0.log")
			if err := r.PrepareTask(ctx, id, prepared); err != nil {
				t.Fatalf("PrepareTask: %v", err)
			}
			time.Sleep(200 * time.Millisecond) // time enough to run, were it started
			if info, err := r.ContainerStatus(ctx, id); err != nil || info.State != StateCreated {
				t.Fatalf("after PrepareTask: state %s (%v), want %s", info.State, err, StateCreated)
			}
			if b, _ := os.ReadFile(prepared); len(b) != 0 {
				t.Fatal("prepared task's process ran before StartContainer")
			}
			before := taskPid(t, r, id)
			logPath := prepared
			if tt.other {
				logPath = filepath.Join(r.cfg.DataDir, "logs", id, "1.log")
			}
			pid, err := r.StartContainer(ctx, id, logPath)
			if err != nil {
				t.Fatalf("StartContainer: %v", err)
			}
			if got := pid == before; got != tt.reused {
				t.Errorf("started pid %d, prepared %d: reused %v, want %v", pid, before, got, tt.reused)
			}
			waitState(t, r, id, StateRunning)
			waitLog(t, logPath, "ran\n")
			info, err := r.ContainerStatus(ctx, id)
			if err != nil || info.Pid != pid || len(info.Labels) != 0 {
				t.Errorf("status %+v, %v: want pid %d and no labels", info, err, pid)
			}
		})
	}
}
