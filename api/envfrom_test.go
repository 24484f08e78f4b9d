package api

import (
	"strings"
	"testing"
)

func TestValidateEnvFrom(t *testing.T) {
	pod := func(from ...EnvFromSource) Object {
		return with(validPod, func(p *Pod) { p.Namespace = "default"; p.Spec.Containers[0].EnvFrom = from })
	}
	tests := []struct {
		name string
		obj  Object
		want []string // each must be one of the errors; none means valid
	}{
		{"configMapRef with prefix", pod(EnvFromSource{Prefix: "APP_", ConfigMapRef: &ConfigMapEnvSource{Name: "cfg"}}), nil},
		{"optional secretRef", pod(EnvFromSource{SecretRef: &SecretEnvSource{Name: "sec", Optional: ptr(true)}}), nil},
		{"no source", pod(EnvFromSource{Prefix: "X"}), []string{"spec.containers[0].envFrom[0]: must have one of configMapRef or secretRef"}},
		{"both sources", pod(EnvFromSource{ConfigMapRef: &ConfigMapEnvSource{Name: "a"}, SecretRef: &SecretEnvSource{Name: "b"}}),
			[]string{"spec.containers[0].envFrom[0]: may not have both configMapRef and secretRef"}},
		{"name required", pod(EnvFromSource{ConfigMapRef: &ConfigMapEnvSource{}}), []string{"spec.containers[0].envFrom[0].configMapRef.name: required"}},
		{"bad name", pod(EnvFromSource{SecretRef: &SecretEnvSource{Name: "Sec"}}), []string{`spec.containers[0].envFrom[0].secretRef.name: invalid value "Sec"`}},
		{"prefix with =", pod(EnvFromSource{Prefix: "A=", ConfigMapRef: &ConfigMapEnvSource{Name: "a"}}), []string{`spec.containers[0].envFrom[0].prefix: invalid value "A=": may not contain '='`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			Default(tt.obj)
			err := Validate(tt.obj)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got valid, want %v", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %v, want an error containing %q", err, w)
				}
			}
		})
	}
}

func TestDecodeEnvFromAndOptional(t *testing.T) {
	objs, err := Decode([]byte(`apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
immutable: true
data: {MODE: prod}
---
apiVersion: v1
kind: Secret
metadata: {name: sec}
immutable: false
stringData: {PW: x}
---
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  containers:
  - name: app
    image: busybox:1
    envFrom:
    - {prefix: CFG_, configMapRef: {name: cfg, optional: true}}
    - secretRef: {name: sec}
    env:
    - name: OPT
      valueFrom: {secretKeyRef: {name: sec, key: missing, optional: true}}
    volumeMounts: [{name: c, mountPath: /c}, {name: s, mountPath: /s}]
  volumes:
  - {name: c, configMap: {name: nope, optional: true}}
  - {name: s, secret: {secretName: nope, optional: true}}
`))
	if err != nil {
		t.Fatal(err)
	}
	cm, sec, pod := objs[0].(*ConfigMap), objs[1].(*Secret), objs[2].(*Pod)
	c := pod.Spec.Containers[0]
	tests := []struct {
		name      string
		got, want any
	}{
		{"configmap immutable", IsOptional(cm.Immutable), true},
		{"secret immutable false kept", sec.Immutable != nil && !*sec.Immutable, true},
		{"envFrom prefix", c.EnvFrom[0].Prefix, "CFG_"},
		{"envFrom configMapRef optional", IsOptional(c.EnvFrom[0].ConfigMapRef.Optional), true},
		{"envFrom secretRef", c.EnvFrom[1].SecretRef.Name, "sec"},
		{"secretRef not optional", IsOptional(c.EnvFrom[1].SecretRef.Optional), false},
		{"key ref optional", IsOptional(c.Env[0].ValueFrom.SecretKeyRef.Optional), true},
		{"configMap volume optional", IsOptional(pod.Spec.Volumes[0].ConfigMap.Optional), true},
		{"secret volume optional", IsOptional(pod.Spec.Volumes[1].Secret.Optional), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestImmutableUpdateError(t *testing.T) {
	cm := func(immutable *bool, data map[string]string) *ConfigMap {
		return &ConfigMap{TypeMeta: TypeMeta{Kind: "ConfigMap"}, ObjectMeta: ObjectMeta{Name: "cfg", Namespace: "default"}, Immutable: immutable, Data: data}
	}
	sec := func(immutable *bool, typ SecretType, data string) *Secret {
		return &Secret{TypeMeta: TypeMeta{Kind: "Secret"}, ObjectMeta: ObjectMeta{Name: "sec", Namespace: "default"}, Immutable: immutable, Type: typ, Data: map[string][]byte{"k": []byte(data)}}
	}
	yes, no := ptr(true), ptr(false)
	tests := []struct {
		name        string
		in, stored  Object
		wantFields  []string // none: allowed
		wantSubject string
	}{
		{"mutable configmap changes", cm(nil, map[string]string{"a": "2"}), cm(nil, map[string]string{"a": "1"}), nil, ""},
		{"made immutable", cm(yes, map[string]string{"a": "2"}), cm(no, map[string]string{"a": "1"}), nil, ""},
		{"immutable unchanged, new labels", with(func() *ConfigMap { return cm(yes, map[string]string{"a": "1"}) }, func(c *ConfigMap) { c.Labels = map[string]string{"x": "y"} }),
			cm(yes, map[string]string{"a": "1"}), nil, ""},
		{"immutable data", cm(yes, map[string]string{"a": "2"}), cm(yes, map[string]string{"a": "1"}), []string{"data"}, `ConfigMap "cfg"`},
		{"immutable binaryData", with(func() *ConfigMap { return cm(yes, nil) }, func(c *ConfigMap) { c.BinaryData = map[string][]byte{"b": {1}} }), cm(yes, nil), []string{"binaryData"}, `ConfigMap "cfg"`},
		{"immutable turned off", cm(no, map[string]string{"a": "1"}), cm(yes, map[string]string{"a": "1"}), []string{"immutable"}, `ConfigMap "cfg"`},
		{"immutable left out", cm(nil, map[string]string{"a": "1"}), cm(yes, map[string]string{"a": "1"}), []string{"immutable"}, `ConfigMap "cfg"`},
		{"secret data and type", sec(yes, SecretTypeTLS, "2"), sec(yes, SecretTypeOpaque, "1"), []string{"type", "data"}, `Secret "sec"`},
		{"mutable secret", sec(nil, SecretTypeOpaque, "2"), sec(no, SecretTypeOpaque, "1"), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ImmutableUpdateError(tt.in, tt.stored)
			if len(tt.wantFields) == 0 {
				if err != nil {
					t.Fatalf("got %v, want allowed", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got allowed, want %v refused", tt.wantFields)
			}
			if !strings.HasPrefix(err.Error(), tt.wantSubject+": ") {
				t.Errorf("got %q, want it to start with %s", err, tt.wantSubject)
			}
			for _, f := range tt.wantFields {
				if want := f + ": field is immutable when `immutable` is set"; !strings.Contains(err.Error(), want) {
					t.Errorf("got %q, want it to contain %q", err, want)
				}
			}
		})
	}
}
