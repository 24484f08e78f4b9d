package pods

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func TestProjectConfigMap(t *testing.T) {
	dir := t.TempDir()
	cm := &api.ConfigMap{Data: map[string]string{"a.conf": "A", "b.conf": "B"}}
	view := viewOf(map[string]api.Object{"ConfigMap/ns/cfg": cm})
	src := &api.ConfigMapVolumeSource{Name: "cfg"}
	if err := projectConfigMap(view, "ns", src, dir); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a.conf")); string(b) != "A" {
		t.Fatalf("a.conf = %q", b)
	}
	// An edit reaches the files; a removed key's file goes.
	cm.Data = map[string]string{"a.conf": "A2"}
	if err := projectConfigMap(view, "ns", src, dir); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a.conf")); string(b) != "A2" {
		t.Fatalf("a.conf after edit = %q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "b.conf")); !os.IsNotExist(err) {
		t.Fatalf("b.conf still there: %v", err)
	}
}

func TestProjectRejectsEscapes(t *testing.T) {
	tests := []struct{ name, path string }{
		{"parent", "../x"},
		{"absolute", "/etc/passwd"},
		{"dot", "."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := project(t.TempDir(), map[string][]byte{"k": []byte("v")}, []api.KeyToPath{{Key: "k", Path: tt.path}}, nil, 0o644, "configmap x")
			if err == nil || !strings.Contains(err.Error(), "leaves the volume") {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestEtcFiles(t *testing.T) {
	dir := t.TempDir()
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "db-0", Namespace: "prod", UID: "u"}, Spec: api.PodSpec{Hostname: "db-0", Subdomain: "db"}}
	mounts, err := etcFiles(dir, pod, etcEnv{PodIP: "10.42.1.7", DNSIP: "10.42.1.1", Domain: "cluster.local"})
	if err != nil {
		t.Fatal(err)
	}
	if len(mounts) != 3 {
		t.Fatalf("mounts %v", mounts)
	}
	hosts, _ := os.ReadFile(filepath.Join(podDir(dir, "u"), "etc", "hosts"))
	if !strings.Contains(string(hosts), "10.42.1.7\tdb-0.db.prod.svc.cluster.local db-0") {
		t.Fatalf("hosts:\n%s", hosts)
	}
	resolv, _ := os.ReadFile(filepath.Join(podDir(dir, "u"), "etc", "resolv.conf"))
	want := "nameserver 10.42.1.1\nsearch prod.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n"
	if string(resolv) != want {
		t.Fatalf("resolv.conf:\n%s\nwant:\n%s", resolv, want)
	}
}
