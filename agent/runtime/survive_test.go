package runtime

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"
)

// containerdPid is the embedded containerd's pid.
func containerdPid(r *Runtime) int {
	r.embed.mu.Lock()
	defer r.embed.mu.Unlock()
	return r.embed.pid
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestContainersSurviveAgentCrash: the agent is kill -9'd (its embedded
// containerd dies with it via Pdeathsig), the container keeps running and
// logging, and a restarted agent finds it with the same pid.
func TestContainersSurviveAgentCrash(t *testing.T) {
	e := newTestEnv(t)
	r1 := e.open(t, false)
	importImages(t, r1)
	logPath := run(t, r1, "survivor", `while true; do echo tick; sleep 0.1; done`, nil)
	before := waitState(t, r1, "survivor", StateRunning)

	// What Pdeathsig does when the agent dies.
	oldPid := containerdPid(r1)
	if err := syscall.Kill(oldPid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-r1.embed.exited()
	_ = r1.client.Close() // the agent is gone; nothing else of it remains
	size := fileSize(t, logPath)
	time.Sleep(500 * time.Millisecond)
	if grown := fileSize(t, logPath); grown <= size {
		t.Errorf("log stopped growing while containerd was down: %d -> %d bytes", size, grown)
	}

	r2 := e.open(t, true)
	if !r2.Embedded() || containerdPid(r2) == oldPid {
		t.Fatalf("restarted runtime: embedded %v, containerd pid %d (old %d): want a new embedded containerd", r2.Embedded(), containerdPid(r2), oldPid)
	}
	cs, err := r2.ListContainers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].ID != "survivor" || cs[0].State != StateRunning || cs[0].Pid != before.Pid {
		t.Fatalf("after restart: %+v, want survivor running with pid %d", cs, before.Pid)
	}
	if err := r2.StopContainer(context.Background(), "survivor", time.Second); err != nil {
		t.Fatal(err)
	}
	waitExit(t, r2, "survivor")
}

// TestAdoptRunningContainerd: the agent died but its containerd did not;
// a restarted agent adopts it instead of starting a second one.
func TestAdoptRunningContainerd(t *testing.T) {
	e := newTestEnv(t)
	r1 := e.open(t, false)
	importImages(t, r1)
	run(t, r1, "adopted", `sleep 1000`, nil)
	before := waitState(t, r1, "adopted", StateRunning)
	pid := containerdPid(r1)
	_ = r1.client.Close() // abandoned without Close: containerd lives on

	r2 := e.open(t, true)
	if !r2.Embedded() || containerdPid(r2) != pid {
		t.Fatalf("embedded %v pid %d, want the running containerd %d adopted", r2.Embedded(), containerdPid(r2), pid)
	}
	info, err := r2.ContainerStatus(context.Background(), "adopted")
	if err != nil || info.State != StateRunning || info.Pid != before.Pid {
		t.Fatalf("status %+v, %v; want running with pid %d", info, err, before.Pid)
	}
}

// TestSupervisorRestartsContainerd: Run restarts a containerd that died,
// and Exits keeps working on the new event stream.
func TestSupervisorRestartsContainerd(t *testing.T) {
	r := newTestEnv(t).open(t, true)
	importImages(t, r)
	old := containerdPid(r)
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if pid := containerdPid(r); pid != old && answers(r.cfg.Address) {
			if _, err := r.Version(context.Background()); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("containerd was not restarted")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // the event stream resubscribes
	run(t, r, "after-restart", `exit 5`, nil)
	waitExit(t, r, "after-restart")
	if info := waitState(t, r, "after-restart", StateExited); info.ExitCode != 5 {
		t.Errorf("exit code %d, want 5", info.ExitCode)
	}
}
