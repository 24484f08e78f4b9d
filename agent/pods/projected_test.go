package pods

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

// readTree returns dir's files as "path=content (mode)" lines, sorted.
func readTree(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		lines = append(lines, rel+"="+string(b)+" ("+fi.Mode().Perm().String()+")")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func TestProjectVolume(t *testing.T) {
	cm := &api.ConfigMap{Data: map[string]string{"app.conf": "A", "other": "O"}}
	sec := &api.Secret{Data: map[string][]byte{"pw": []byte("s3")}}
	view := viewOf(map[string]api.Object{"ConfigMap/ns/cfg": cm, "Secret/ns/sec": sec})
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "web-1", Namespace: "ns", UID: "uid-1",
		Labels: map[string]string{"app": "web", "tier": "front"}, Annotations: map[string]string{"note": `say "hi"`}}}
	mode := func(m int32) *int32 { return &m }
	yes := true
	tests := []struct {
		name    string
		vol     api.Volume
		want    string
		wantErr string
	}{
		{"projected sources", api.Volume{Name: "all", Projected: &api.ProjectedVolumeSource{Sources: []api.VolumeProjection{
			{ConfigMap: &api.ConfigMapProjection{Name: "cfg", Items: []api.KeyToPath{{Key: "app.conf", Path: "conf/app.conf"}}}},
			{Secret: &api.SecretProjection{Name: "sec", Items: []api.KeyToPath{{Key: "pw", Path: "pw", Mode: mode(0o400)}}}},
			{DownwardAPI: &api.DownwardAPIProjection{Items: []api.DownwardAPIVolumeFile{
				{Path: "name", FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.name"}},
				{Path: "labels", FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.labels"}},
			}}},
		}}}, "conf/app.conf=A (-rw-r--r--)\nlabels=app=\"web\"\ntier=\"front\" (-rw-r--r--)\nname=web-1 (-rw-r--r--)\npw=s3 (-r--------)", ""},
		{"every key, defaultMode", api.Volume{Name: "keys", Projected: &api.ProjectedVolumeSource{DefaultMode: mode(0o440), Sources: []api.VolumeProjection{
			{ConfigMap: &api.ConfigMapProjection{Name: "cfg"}},
		}}}, "app.conf=A (-r--r-----)\nother=O (-r--r-----)", ""},
		{"optional missing", api.Volume{Name: "opt", Projected: &api.ProjectedVolumeSource{Sources: []api.VolumeProjection{
			{Secret: &api.SecretProjection{Name: "absent", Optional: &yes}},
			{ConfigMap: &api.ConfigMapProjection{Name: "cfg", Optional: &yes, Items: []api.KeyToPath{{Key: "nope", Path: "nope"}, {Key: "other", Path: "o"}}}},
		}}}, "o=O (-rw-r--r--)", ""},
		{"missing secret", api.Volume{Name: "req", Projected: &api.ProjectedVolumeSource{Sources: []api.VolumeProjection{
			{Secret: &api.SecretProjection{Name: "absent"}},
		}}}, "", `secret "absent" not found`},
		{"missing key", api.Volume{Name: "req", Projected: &api.ProjectedVolumeSource{Sources: []api.VolumeProjection{
			{ConfigMap: &api.ConfigMapProjection{Name: "cfg", Items: []api.KeyToPath{{Key: "nope", Path: "x"}}}},
		}}}, "", `key "nope" not found in configmap cfg`},
		{"downwardAPI volume", api.Volume{Name: "meta", DownwardAPI: &api.DownwardAPIVolumeSource{Items: []api.DownwardAPIVolumeFile{
			{Path: "ns", FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.namespace"}},
			{Path: "uid", FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.uid"}},
			{Path: "annotations", FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.annotations"}},
			{Path: "tier", FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.labels['tier']"}},
		}}}, "annotations=note=\"say \\\"hi\\\"\" (-rw-r--r--)\nns=ns (-rw-r--r--)\ntier=front (-rw-r--r--)\nuid=uid-1 (-rw-r--r--)", ""},
		{"downwardAPI unsupported field", api.Volume{Name: "meta", DownwardAPI: &api.DownwardAPIVolumeSource{Items: []api.DownwardAPIVolumeFile{
			{Path: "ip", FieldRef: &api.ObjectFieldSelector{FieldPath: "status.podIP"}},
		}}}, "", `downwardAPI fieldRef "status.podIP" is not supported in volumes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			err := projectVolume(view, pod, &tt.vol, dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := readTree(t, dir); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestProjectVolumeFollowsChanges rewrites the files when a label or the
// ConfigMap changes and removes the file of a key that went.
func TestProjectVolumeFollowsChanges(t *testing.T) {
	cm := &api.ConfigMap{Data: map[string]string{"a": "1", "b": "2"}}
	view := viewOf(map[string]api.Object{"ConfigMap/ns/cfg": cm})
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "ns", Labels: map[string]string{"v": "1"}}}
	vol := api.Volume{Name: "v", Projected: &api.ProjectedVolumeSource{Sources: []api.VolumeProjection{
		{ConfigMap: &api.ConfigMapProjection{Name: "cfg"}},
		{DownwardAPI: &api.DownwardAPIProjection{Items: []api.DownwardAPIVolumeFile{{Path: "labels", FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.labels"}}}}},
	}}}
	dir := t.TempDir()
	if err := projectVolume(view, pod, &vol, dir); err != nil {
		t.Fatal(err)
	}
	cm.Data = map[string]string{"a": "10"}
	pod.Labels["v"] = "2"
	if err := projectVolume(view, pod, &vol, dir); err != nil {
		t.Fatal(err)
	}
	want := "a=10 (-rw-r--r--)\nlabels=v=\"2\" (-rw-r--r--)"
	if got := readTree(t, dir); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
