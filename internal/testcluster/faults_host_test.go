package testcluster

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadResultWindow(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fail := func(sent, took time.Duration) LoadFailure {
		return LoadFailure{At: at.Add(sent), Took: took, Err: errors.New("x")}
	}
	cases := []struct {
		name             string
		fails            []LoadFailure
		window, lastSent time.Duration
	}{
		{"no failure", nil, 0, 0},
		{"one after the fault", []LoadFailure{fail(2*time.Second, time.Second)}, 3 * time.Second, 2 * time.Second},
		{"sent before, ended after", []LoadFailure{fail(-time.Second, 3*time.Second)}, 2 * time.Second, 0},
		{"ended before the fault: not counted", []LoadFailure{fail(-3*time.Second, time.Second)}, 0, 0},
		{"the latest end wins", []LoadFailure{fail(time.Second, 10*time.Second), fail(5*time.Second, time.Second)}, 11 * time.Second, 5 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := LoadResult{Failures: c.fails}
			if got := r.Window(at); got != c.window {
				t.Errorf("Window: got %s, want %s", got, c.window)
			}
			if got := r.LastFailedSent(at); got != c.lastSent {
				t.Errorf("LastFailedSent: got %s, want %s", got, c.lastSent)
			}
		})
	}
}

// TestLoopDataDirFillsAndCleansUp gives an agent (never started) a
// loop-mounted data dir, fills it to the last byte, frees it, and checks
// that the test's cleanup unmounted it and detached the loop device.
func TestLoopDataDirFillsAndCleansUp(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: loop devices and mounts")
	}
	var dir, img string
	t.Run("fill and free", func(t *testing.T) {
		// No network and no binary: the agent is never started.
		c := &Cluster{t: t, dir: t.TempDir()}
		a := &Agent{c: c, Name: "n1", DataDir: filepath.Join(c.dir, "n1")}
		a.LoopDataDir(32 << 20)
		dir, img = a.DataDir, filepath.Join(c.dir, "n1.img")
		if !mounted(t, dir) {
			t.Fatalf("%s is not a mount point", dir)
		}
		wrote := a.FillDataDir()
		if free, err := a.FreeBytes(); err != nil || free != 0 {
			t.Fatalf("free space after the fill: %d bytes, %v; want 0", free, err)
		}
		if wrote < 16<<20 {
			t.Fatalf("the fill wrote %d bytes on a 32 MiB filesystem; want most of it", wrote)
		}
		a.FreeDataDir()
		if free, err := a.FreeBytes(); err != nil || free < wrote {
			t.Fatalf("free space after freeing: %d bytes, %v; want at least the %d written", free, err, wrote)
		}
	})
	if mounted(t, dir) {
		t.Errorf("%s still mounted after the test", dir)
	}
	out, err := exec.Command("losetup", "-j", img).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Errorf("loop devices on %s after the test: %q (%v); want none", img, out, err)
	}
}

// mounted reports whether dir is a mount point of this process's mount
// namespace.
func mounted(t *testing.T, dir string) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == dir {
			return true
		}
	}
	return false
}
