package pods

import (
	"errors"
	"slices"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "1", "B": "two"}
	tests := []struct{ name, in, want string }{
		{"plain", "abc", "abc"},
		{"one", "$(A)", "1"},
		{"several", "x$(A)-$(B)y", "x1-twoy"},
		{"unknown stays", "$(C)", "$(C)"},
		{"escaped", "$$(A)", "$(A)"},
		{"unterminated", "$(A", "$(A"},
		{"lone dollar", "a$b$", "a$b$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := expand(tt.in, vars); got != tt.want {
				t.Fatalf("expand(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestResolveEnv(t *testing.T) {
	cm := &api.ConfigMap{Data: map[string]string{"greeting": "hi"}}
	sec := &api.Secret{Data: map[string][]byte{"pw": []byte("s3cret")}}
	view := viewOf(map[string]api.Object{"ConfigMap/ns/cfg": cm, "Secret/ns/sec": sec})
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1", Labels: map[string]string{"app": "web"}}}
	tests := []struct {
		name    string
		env     []api.EnvVar
		want    []string
		wantErr string
	}{
		{name: "value and reference", env: []api.EnvVar{{Name: "A", Value: "x"}, {Name: "B", Value: "$(A)y"}}, want: []string{"A=x", "B=xy"}},
		{name: "configmap key", env: []api.EnvVar{{Name: "G", ValueFrom: &api.EnvVarSource{ConfigMapKeyRef: &api.KeySelector{Name: "cfg", Key: "greeting"}}}}, want: []string{"G=hi"}},
		{name: "secret key", env: []api.EnvVar{{Name: "P", ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.KeySelector{Name: "sec", Key: "pw"}}}}, want: []string{"P=s3cret"}},
		{name: "fields", env: []api.EnvVar{
			{Name: "N", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.name"}}},
			{Name: "IP", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "status.podIP"}}},
			{Name: "L", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.labels['app']"}}},
		}, want: []string{"N=p", "IP=10.42.0.5", "L=web"}},
		{name: "missing configmap", env: []api.EnvVar{{Name: "G", ValueFrom: &api.EnvVarSource{ConfigMapKeyRef: &api.KeySelector{Name: "nope", Key: "k"}}}}, wantErr: `env G: configmap "nope" not found`},
		{name: "missing key", env: []api.EnvVar{{Name: "G", ValueFrom: &api.EnvVarSource{ConfigMapKeyRef: &api.KeySelector{Name: "cfg", Key: "k"}}}}, wantErr: `env G: key "k" not found in configmap "cfg"`},
		{name: "unsupported field", env: []api.EnvVar{{Name: "F", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "spec.bogus"}}}}, wantErr: `env F: fieldRef "spec.bogus" is not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolveEnv(view, pod, &api.Container{Env: tt.env}, "10.42.0.5", "10.99.0.1")
			if tt.wantErr != "" {
				var ce *configError
				if err == nil || !errors.As(err, &ce) || len(err.Error()) < len(tt.wantErr) || err.Error()[:len(tt.wantErr)] != tt.wantErr {
					t.Fatalf("err = %v, want a config error starting %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
