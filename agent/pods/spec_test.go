package pods

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func TestContainerConfigMounts(t *testing.T) {
	dir := t.TempDir()
	vol := filepath.Join(dir, "vol")
	if err := os.MkdirAll(filepath.Join(vol, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/", filepath.Join(vol, "escape")); err != nil {
		t.Fatal(err)
	}
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "ns", UID: "u"}, Spec: api.PodSpec{Volumes: []api.Volume{
		{Name: "data", EmptyDir: &api.EmptyDirVolumeSource{}},
		{Name: "conf", ConfigMap: &api.ConfigMapVolumeSource{Name: "c"}},
	}}}
	vols := map[string]string{"data": vol, "conf": filepath.Join(dir, "conf")}
	pd := filepath.Join(dir, "pod")
	t.Cleanup(func() {
		if err := removePodDir(pd); err != nil {
			t.Error(err)
		}
	})
	tests := []struct {
		name     string
		mount    api.VolumeMount
		wantErr  string
		readOnly bool
	}{
		{name: "plain", mount: api.VolumeMount{Name: "data", MountPath: "/d"}},
		{name: "subPath", mount: api.VolumeMount{Name: "data", MountPath: "/d", SubPath: "real"}},
		{name: "subPath not there yet", mount: api.VolumeMount{Name: "data", MountPath: "/d", SubPath: "new/dir"}},
		{name: "subPath through a symlink", mount: api.VolumeMount{Name: "data", MountPath: "/d", SubPath: "escape/etc"}, wantErr: "symbolic link"},
		{name: "subPath leaving", mount: api.VolumeMount{Name: "data", MountPath: "/d", SubPath: "../x"}, wantErr: "leaves the volume"},
		{name: "configMap is read-only", mount: api.VolumeMount{Name: "conf", MountPath: "/c"}, readOnly: true},
		{name: "unknown volume", mount: api.VolumeMount{Name: "nope", MountPath: "/n"}, wantErr: "names no volume"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &api.Container{Name: "c", Image: "x", VolumeMounts: []api.VolumeMount{tt.mount}}
			cfg, err := containerConfig(pod, c, nil, vols, nil, "", pd)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := cfg.Mounts[len(cfg.Mounts)-1]
			if m.ReadOnly != tt.readOnly {
				t.Fatalf("mount %+v: readOnly %v, want %v", m, m.ReadOnly, tt.readOnly)
			}
		})
	}
}

func TestWriteAtomicIgnoresPlantedSymlink(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("host"), 0o600); err != nil {
		t.Fatal(err)
	}
	vol := filepath.Join(dir, "vol")
	if err := os.MkdirAll(vol, 0o755); err != nil {
		t.Fatal(err)
	}
	// What an old implementation wrote through: key.tmp → a host file.
	if err := os.Symlink(victim, filepath.Join(vol, "key.tmp")); err != nil {
		t.Fatal(err)
	}
	if err := project(vol, map[string][]byte{"key": []byte("data")}, nil, nil, 0o644, "configmap c"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "host" {
		t.Fatalf("host file changed to %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(vol, "key")); string(b) != "data" {
		t.Fatalf("key = %q", b)
	}
}

// TestSubPathSwappedAfterCheck plays the subPath race: after the agent
// has checked and bound a subPath, the container (which writes the
// volume) swaps the directory for a symlink to the node's files. The
// mount source the runtime gets still shows the directory that was
// checked; removing the pod's directory unmounts it and leaves the
// volume's files alone.
func TestSubPathSwappedAfterCheck(t *testing.T) {
	vol := t.TempDir()
	if err := os.MkdirAll(filepath.Join(vol, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(vol, "data", "marker"), []byte("volume"), 0o644); err != nil {
		t.Fatal(err)
	}
	host := t.TempDir() // stands for the node's files
	if err := os.WriteFile(filepath.Join(host, "marker"), []byte("host"), 0o644); err != nil {
		t.Fatal(err)
	}
	pd := filepath.Join(t.TempDir(), "pod")
	t.Cleanup(func() { _ = unmountUnder(pd) })
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "ns", UID: "u"},
		Spec: api.PodSpec{Volumes: []api.Volume{{Name: "v", EmptyDir: &api.EmptyDirVolumeSource{}}}}}
	c := &api.Container{Name: "c", Image: "x", VolumeMounts: []api.VolumeMount{{Name: "v", MountPath: "/d", SubPath: "data"}}}
	vols := map[string]string{"v": vol}
	cfg, err := containerConfig(pod, c, nil, vols, nil, "", pd)
	if err != nil {
		t.Fatal(err)
	}
	src := cfg.Mounts[len(cfg.Mounts)-1].Source
	if !strings.HasPrefix(src, subPathsDir(pd)+"/") {
		t.Fatalf("mount source %q: want the agent's bind under %s", src, subPathsDir(pd))
	}
	// The swap.
	if err := os.Rename(filepath.Join(vol, "data"), filepath.Join(vol, "moved")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(host, filepath.Join(vol, "data")); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(src, "marker")); err != nil || string(got) != "volume" {
		t.Fatalf("marker through the mount source: got %q, %v; want %q (the checked directory, not the symlink's target)", got, err, "volume")
	}
	// The next start opens the subPath again and refuses the symlink.
	if _, err := containerConfig(pod, c, nil, vols, nil, "", pd); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("after the swap: err %v, want a symbolic link refusal", err)
	}
	// Teardown unmounts before removing: the volume keeps its files.
	if err := removePodDir(pd); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pd); !os.IsNotExist(err) {
		t.Errorf("pod directory: stat err %v, want it gone", err)
	}
	if got, err := os.ReadFile(filepath.Join(vol, "moved", "marker")); err != nil || string(got) != "volume" {
		t.Errorf("volume file after teardown: got %q, %v; want %q", got, err, "volume")
	}
}
