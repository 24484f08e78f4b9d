package pods

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/shoal-dev/shoal/agent/runtime"

	"github.com/shoal-dev/shoal/api"
)

// smallDataDir mounts a tmpfs of size bytes as a data dir: a filesystem
// the test can fill.
func smallDataDir(t *testing.T, size int64) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		t.Fatalf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() { _ = unix.Unmount(dir, unix.MNT_DETACH) })
	return dir
}

// fill writes n bytes into the emptyDir vol of the pod with uid, as the
// pod would.
func fill(t *testing.T, dataDir, uid, vol, file string, n int) {
	t.Helper()
	p := filepath.Join(podDir(dataDir, uid), "volumes", "empty-dir", vol, file)
	if err := os.WriteFile(p, bytes.Repeat([]byte{'x'}, n), 0o644); err != nil {
		t.Fatalf("fill %s: %v", p, err)
	}
}

// reports records what the monitor reported.
type reports struct {
	mu  sync.Mutex
	got []bool
}

func (r *reports) report(_ context.Context, p bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, p)
	return nil
}

func (r *reports) last() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got) > 0 && r.got[len(r.got)-1]
}

func withScratch(request, sizeLimit string) func(*api.Pod) {
	return func(p *api.Pod) {
		v := api.Volume{Name: "scratch", EmptyDir: &api.EmptyDirVolumeSource{}}
		if sizeLimit != "" {
			q := api.MustParseQuantity(sizeLimit)
			v.EmptyDir.SizeLimit = &q
		}
		p.Spec.Volumes = []api.Volume{v}
		if request != "" {
			p.Spec.Containers[0].Resources.Requests = api.ResourceList{api.ResourceEphemeralStorage: api.MustParseQuantity(request)}
		}
	}
}

func evicted(want string) func(*api.Pod) error {
	return func(p *api.Pod) error {
		if p.Status.Phase != api.PodFailed || p.Status.Reason != ReasonEvicted || !strings.Contains(p.Status.Message, want) {
			return fmt.Errorf("got phase %s, reason %q, message %q; want Failed, Evicted, a message containing %q", p.Status.Phase, p.Status.Reason, p.Status.Message, want)
		}
		return nil
	}
}

// TestEvictionUnderDiskPressure fills a real 64 MiB data dir through
// three pods' emptyDirs until it crosses nodefs.available<50%: the
// monitor reports pressure and evicts only the pod furthest over its
// request (the largest BestEffort one), kills and removes its containers,
// deletes its data, marks it Failed/Evicted with kubelet's message; once
// the space is back it reports the pressure over after the transition
// period; and a restarted manager keeps the pod evicted.
func TestEvictionUnderDiskPressure(t *testing.T) {
	const mi = 1 << 20
	dataDir := smallDataDir(t, 64*mi)
	h := newHarnessIn(t, dataDir)
	h.addPod("hog", withScratch("", ""))
	h.addPod("small", withScratch("", ""))
	h.addPod("requested", withScratch("40Mi", ""))
	uid := map[string]string{}
	for _, n := range []string{"hog", "small", "requested"} {
		uid[n] = h.waitStatus(n, running).UID
	}
	ts, err := ParseEvictionHard("nodefs.available<50%")
	if err != nil {
		t.Fatal(err)
	}
	var rep reports
	e := NewEvictionMonitor(EvictionConfig{Thresholds: ts, Report: rep.report, Transition: time.Minute}, h.m)
	now := time.Now()

	e.pass(context.Background(), now)
	if rep.last() || e.Pressure() {
		t.Fatalf("pressure with the disk empty: got true, want false")
	}

	fill(t, dataDir, uid["hog"], "scratch", "fill", 24*mi)
	fill(t, dataDir, uid["small"], "scratch", "fill", 2*mi)
	fill(t, dataDir, uid["requested"], "scratch", "fill", 8*mi) // within its 40Mi request
	now = now.Add(time.Second)
	e.pass(context.Background(), now)
	if !rep.last() || !e.Pressure() {
		t.Fatalf("pressure with 34 of 64 MiB used and <50%% wanted free: got false, want true")
	}
	h.waitStatus("hog", evicted("The node was low on resource: ephemeral-storage. Threshold quantity: 32Mi (nodefs.available<50%)"))
	for _, n := range []string{"small", "requested"} {
		if p := h.c.pod(n); p.Status.Phase != api.PodRunning {
			t.Fatalf("pod %s: got phase %s, want Running (only one pod is evicted)", n, p.Status.Phase)
		}
	}
	if _, err := os.Stat(filepath.Join(podDir(dataDir, uid["hog"]), "volumes", "empty-dir")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("evicted pod's emptyDir: got %v, want it removed", err)
	}
	if _, err := h.rt.ContainerStatus(context.Background(), containerID(uid["hog"], "main")); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("evicted pod's container: got %v, want it removed", err)
	}

	// The space is back; pressure stays for the transition period.
	now = now.Add(time.Second)
	e.pass(context.Background(), now)
	if !rep.last() {
		t.Fatalf("pressure right after the space came back: got false, want true until the transition period ends")
	}
	if p := h.c.pod("small"); p.Status.Phase != api.PodRunning {
		t.Fatalf("pod small: got phase %s, want Running (the space is back)", p.Status.Phase)
	}
	e.pass(context.Background(), now.Add(time.Minute))
	if rep.last() || e.Pressure() {
		t.Fatalf("pressure after the transition period: got true, want false")
	}

	// A restarted agent keeps the pod evicted: nothing of it starts.
	h.stop()
	h.start()
	time.Sleep(3 * pollInterval / 2) // a worker's pass, to catch a wrongful start
	if p := h.c.pod("hog"); p.Status.Phase != api.PodFailed || p.Status.Reason != ReasonEvicted {
		t.Fatalf("evicted pod after an agent restart: got phase %s, reason %q; want Failed, Evicted", p.Status.Phase, p.Status.Reason)
	}
	if _, ok := h.rt.running()[containerID(uid["hog"], "main")]; ok {
		t.Fatalf("evicted pod's container runs again after an agent restart")
	}
}

// TestEvictionOverSizeLimit evicts a pod whose disk emptyDir outgrows its
// sizeLimit while the node has plenty of space, and leaves a pod within
// its limit alone.
func TestEvictionOverSizeLimit(t *testing.T) {
	const mi = 1 << 20
	dataDir := smallDataDir(t, 64*mi)
	h := newHarnessIn(t, dataDir)
	h.addPod("capped", withScratch("", "1Mi"))
	h.addPod("within", withScratch("", "4Mi"))
	uid := map[string]string{}
	for _, n := range []string{"capped", "within"} {
		uid[n] = h.waitStatus(n, running).UID
	}
	var rep reports
	e := NewEvictionMonitor(EvictionConfig{Report: rep.report}, h.m)
	fill(t, dataDir, uid["capped"], "scratch", "fill", 2*mi)
	fill(t, dataDir, uid["within"], "scratch", "fill", 2*mi)
	e.pass(context.Background(), time.Now())
	h.waitStatus("capped", evicted(`Usage of EmptyDir volume "scratch" exceeds the limit "1Mi"`))
	if p := h.c.pod("within"); p.Status.Phase != api.PodRunning {
		t.Fatalf("pod within its sizeLimit: got phase %s, want Running", p.Status.Phase)
	}
	if rep.last() {
		t.Fatalf("node pressure: got true, want false (the node has space; the pod broke its own limit)")
	}
	if _, err := os.Stat(filepath.Join(podDir(dataDir, uid["capped"]), "volumes", "empty-dir", "scratch")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("evicted pod's emptyDir: got %v, want it removed", err)
	}
}
