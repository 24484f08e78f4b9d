package pods

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func TestResolveEnvFrom(t *testing.T) {
	yes := true
	cm := &api.ConfigMap{Data: map[string]string{"MODE": "prod", "LEVEL": "info"}, BinaryData: map[string][]byte{"BIN": []byte("b")}}
	sec := &api.Secret{Data: map[string][]byte{"PW": []byte("s3cret"), "MODE": []byte("secret-mode")}}
	view := viewOf(map[string]api.Object{"ConfigMap/ns/cfg": cm, "Secret/ns/sec": sec})
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "ns"}}
	cmRef := func(name string, optional bool) api.EnvFromSource {
		r := &api.ConfigMapEnvSource{Name: name}
		if optional {
			r.Optional = &yes
		}
		return api.EnvFromSource{ConfigMapRef: r}
	}
	tests := []struct {
		name    string
		from    []api.EnvFromSource
		env     []api.EnvVar
		want    []string
		wantErr string
	}{
		{name: "configmap keys, binary too", from: []api.EnvFromSource{cmRef("cfg", false)}, want: []string{"BIN=b", "LEVEL=info", "MODE=prod"}},
		{name: "prefix", from: []api.EnvFromSource{{Prefix: "APP_", SecretRef: &api.SecretEnvSource{Name: "sec"}}}, want: []string{"APP_MODE=secret-mode", "APP_PW=s3cret"}},
		{name: "later source wins", from: []api.EnvFromSource{cmRef("cfg", false), {SecretRef: &api.SecretEnvSource{Name: "sec"}}},
			want: []string{"BIN=b", "LEVEL=info", "MODE=secret-mode", "PW=s3cret"}},
		{name: "env overrides and expands envFrom", from: []api.EnvFromSource{cmRef("cfg", false)},
			env:  []api.EnvVar{{Name: "MODE", Value: "dev"}, {Name: "URL", Value: "x/$(LEVEL)"}},
			want: []string{"BIN=b", "LEVEL=info", "MODE=dev", "URL=x/info"}},
		{name: "optional missing configmap adds nothing", from: []api.EnvFromSource{cmRef("nope", true)}, env: []api.EnvVar{{Name: "A", Value: "1"}}, want: []string{"A=1"}},
		{name: "missing configmap waits", from: []api.EnvFromSource{cmRef("nope", false)}, wantErr: `envFrom[0]: configmap "nope" not found`},
		{name: "missing secret waits", from: []api.EnvFromSource{{SecretRef: &api.SecretEnvSource{Name: "nope"}}}, wantErr: `envFrom[0]: secret "nope" not found`},
		{name: "optional key refs left out", env: []api.EnvVar{
			{Name: "A", ValueFrom: &api.EnvVarSource{ConfigMapKeyRef: &api.KeySelector{Name: "nope", Key: "k", Optional: &yes}}},
			{Name: "B", ValueFrom: &api.EnvVarSource{ConfigMapKeyRef: &api.KeySelector{Name: "cfg", Key: "k", Optional: &yes}}},
			{Name: "C", ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.KeySelector{Name: "nope", Key: "k", Optional: &yes}}},
			{Name: "D", ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.KeySelector{Name: "sec", Key: "k", Optional: &yes}}},
			{Name: "E", ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.KeySelector{Name: "sec", Key: "PW", Optional: &yes}}},
		}, want: []string{"E=s3cret"}},
		{name: "secret key not optional waits", env: []api.EnvVar{{Name: "D", ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.KeySelector{Name: "sec", Key: "k"}}}},
			wantErr: `env D: key "k" not found in secret "sec"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolveEnv(view, pod, &api.Container{EnvFrom: tt.from, Env: tt.env}, "10.42.0.5", "10.99.0.1")
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one starting %q", err, tt.wantErr)
				}
				return
			}
			sort.Strings(got)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestProjectOptional(t *testing.T) {
	yes := true
	cm := &api.ConfigMap{Data: map[string]string{"a.conf": "A"}}
	view := viewOf(map[string]api.Object{"ConfigMap/ns/cfg": cm})
	tests := []struct {
		name      string
		src       *api.ConfigMapVolumeSource
		secret    *api.SecretVolumeSource
		wantFiles []string
		wantErr   string
	}{
		{name: "optional missing configmap is empty", src: &api.ConfigMapVolumeSource{Name: "nope", Optional: &yes}, wantFiles: nil},
		{name: "missing configmap waits", src: &api.ConfigMapVolumeSource{Name: "nope"}, wantErr: `configmap "nope" not found`},
		{name: "optional skips missing items", src: &api.ConfigMapVolumeSource{Name: "cfg", Optional: &yes, Items: []api.KeyToPath{{Key: "a.conf", Path: "a"}, {Key: "b.conf", Path: "b"}}}, wantFiles: []string{"a"}},
		{name: "optional with no item present is empty", src: &api.ConfigMapVolumeSource{Name: "cfg", Optional: &yes, Items: []api.KeyToPath{{Key: "b.conf", Path: "b"}}}, wantFiles: nil},
		{name: "missing item waits", src: &api.ConfigMapVolumeSource{Name: "cfg", Items: []api.KeyToPath{{Key: "b.conf", Path: "b"}}}, wantErr: `key "b.conf" not found in configmap cfg`},
		{name: "optional missing secret is empty", secret: &api.SecretVolumeSource{SecretName: "nope", Optional: &yes}, wantFiles: nil},
		{name: "missing secret waits", secret: &api.SecretVolumeSource{SecretName: "nope"}, wantErr: `secret "nope" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "vol")
			var err error
			if tt.secret != nil {
				err = projectSecret(view, "ns", tt.secret, dir)
			} else {
				err = projectConfigMap(view, "ns", tt.src, dir)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ents, err := os.ReadDir(dir)
			if err != nil {
				t.Fatalf("volume directory: %v", err)
			}
			var files []string
			for _, e := range ents {
				files = append(files, e.Name())
			}
			if !slices.Equal(files, tt.wantFiles) {
				t.Errorf("got files %v, want %v", files, tt.wantFiles)
			}
		})
	}
}
