package hostinfo

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestCapacityOnThisMachine(t *testing.T) {
	dir := t.TempDir()
	c, err := Capacity(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(runtime.NumCPU()) * 1000; c.CPU != want {
		t.Errorf("CPU: got %d, want %d", c.CPU, want)
	}
	if c.Memory <= 0 || c.Disk <= 0 {
		t.Errorf("got %+v, want positive memory and disk", c)
	}
	t.Logf("capacity: %+v", c)

	s := &CPUSampler{}
	if _, err := s.Sample(); err != nil {
		t.Fatal(err)
	}
	f, err := Free(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("free: %+v", f)
	for _, r := range []struct {
		name      string
		free, cap int64
	}{{"CPU", f.CPU, c.CPU}, {"memory", f.Memory, c.Memory}, {"disk", f.Disk, c.Disk}} {
		if r.free < 0 || r.free > r.cap {
			t.Errorf("free %s: got %d, want 0..%d", r.name, r.free, r.cap)
		}
	}
	if f.Memory == 0 {
		t.Error("free memory: got 0 on a running machine")
	}
}

func TestFreeWithoutSamplerAveragesSinceBoot(t *testing.T) {
	f, err := Free(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.CPU < 0 || f.CPU > int64(runtime.NumCPU())*1000 {
		t.Errorf("free CPU: got %d, want 0..%d", f.CPU, runtime.NumCPU()*1000)
	}
}

func TestMissingDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	if _, err := Capacity(dir); err == nil || !strings.Contains(err.Error(), "statfs "+dir) {
		t.Errorf("Capacity: got %v, want a statfs error naming %s", err, dir)
	}
	if _, err := Free(dir, nil); err == nil {
		t.Error("Free: got no error for a missing dir")
	}
}

func TestOSInfo(t *testing.T) {
	osName, arch, kernel := OSInfo()
	if osName != "linux" || arch != runtime.GOARCH {
		t.Errorf("got %s/%s, want linux/%s", osName, arch, runtime.GOARCH)
	}
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimSpace(string(b)); kernel != want {
		t.Errorf("kernel: got %q, want %q", kernel, want)
	}
}
