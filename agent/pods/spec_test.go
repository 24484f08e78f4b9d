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
			cfg, err := containerConfig(pod, c, nil, vols, nil, "")
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
