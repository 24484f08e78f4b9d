package pods

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/shoal-dev/shoal/api"
)

// configError is a problem with the pod's references (a missing ConfigMap
// key, say): the container waits with CreateContainerConfigError until the
// referenced object appears.
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

func configErrorf(format string, args ...any) error {
	return &configError{msg: fmt.Sprintf(format, args...)}
}

// resolveEnv turns a container's envFrom and env into KEY=VALUE pairs:
// every key of the envFrom sources (later ones win), then values,
// ConfigMap and Secret keys and pod fields of env, which override them.
// $(VAR) references in env values to earlier variables expand as in
// Kubernetes; $$ escapes. A variable whose optional source is missing is
// left out.
func resolveEnv(view View, pod *api.Pod, c *api.Container, podIP, hostIP string) ([]string, error) {
	vars := map[string]string{}
	var names []string
	set := func(k, v string) {
		if _, ok := vars[k]; !ok {
			names = append(names, k)
		}
		vars[k] = v
	}
	for i, src := range c.EnvFrom {
		data, err := envFromData(view, pod.Namespace, src)
		if err != nil {
			return nil, fmt.Errorf("envFrom[%d]: %w", i, err)
		}
		for _, k := range slices.Sorted(maps.Keys(data)) {
			set(src.Prefix+k, data[k])
		}
	}
	for _, e := range c.Env {
		v := expand(e.Value, vars)
		if src := e.ValueFrom; src != nil {
			var err error
			if v, err = valueFrom(view, pod, src, podIP, hostIP); errors.Is(err, errOptionalMissing) {
				continue
			} else if err != nil {
				return nil, fmt.Errorf("env %s: %w", e.Name, err)
			}
		}
		set(e.Name, v)
	}
	out := make([]string, 0, len(names))
	for _, k := range names {
		out = append(out, k+"="+vars[k])
	}
	return out, nil
}

// errOptionalMissing is the object or key of an optional reference that
// does not exist: the variable is left out.
var errOptionalMissing = errors.New("optional reference missing")

// envFromData returns the keys and values of an envFrom source, none if
// it is optional and missing.
func envFromData(view View, ns string, src api.EnvFromSource) (map[string]string, error) {
	out := map[string]string{}
	switch {
	case src.ConfigMapRef != nil:
		o, ok := view.Get("ConfigMap", ns, src.ConfigMapRef.Name)
		if !ok {
			if api.IsOptional(src.ConfigMapRef.Optional) {
				return out, nil
			}
			return nil, configErrorf("configmap %q not found", src.ConfigMapRef.Name)
		}
		cm := o.(*api.ConfigMap)
		for k, v := range cm.BinaryData {
			out[k] = string(v)
		}
		maps.Copy(out, cm.Data)
	case src.SecretRef != nil:
		o, ok := view.Get("Secret", ns, src.SecretRef.Name)
		if !ok {
			if api.IsOptional(src.SecretRef.Optional) {
				return out, nil
			}
			return nil, configErrorf("secret %q not found", src.SecretRef.Name)
		}
		s := o.(*api.Secret)
		maps.Copy(out, s.StringData)
		for k, v := range s.Data {
			out[k] = string(v)
		}
	default:
		return nil, configErrorf("envFrom names no source")
	}
	return out, nil
}

// expandAll expands $(VAR) references in command and args.
func expandAll(in []string, env []string) []string {
	if in == nil {
		return nil
	}
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = expand(s, vars)
	}
	return out
}

func valueFrom(view View, pod *api.Pod, src *api.EnvVarSource, podIP, hostIP string) (string, error) {
	switch {
	case src.ConfigMapKeyRef != nil:
		ref := src.ConfigMapKeyRef
		o, ok := view.Get("ConfigMap", pod.Namespace, ref.Name)
		if !ok {
			if api.IsOptional(ref.Optional) {
				return "", errOptionalMissing
			}
			return "", configErrorf("configmap %q not found", ref.Name)
		}
		cm := o.(*api.ConfigMap)
		if v, ok := cm.Data[ref.Key]; ok {
			return v, nil
		}
		if v, ok := cm.BinaryData[ref.Key]; ok {
			return string(v), nil
		}
		if api.IsOptional(ref.Optional) {
			return "", errOptionalMissing
		}
		return "", configErrorf("key %q not found in configmap %q", ref.Key, ref.Name)
	case src.SecretKeyRef != nil:
		ref := src.SecretKeyRef
		o, ok := view.Get("Secret", pod.Namespace, ref.Name)
		if !ok {
			if api.IsOptional(ref.Optional) {
				return "", errOptionalMissing
			}
			return "", configErrorf("secret %q not found", ref.Name)
		}
		s := o.(*api.Secret)
		if v, ok := s.Data[ref.Key]; ok {
			return string(v), nil
		}
		if v, ok := s.StringData[ref.Key]; ok {
			return v, nil
		}
		if api.IsOptional(ref.Optional) {
			return "", errOptionalMissing
		}
		return "", configErrorf("key %q not found in secret %q", ref.Key, ref.Name)
	case src.FieldRef != nil:
		return fieldValue(pod, src.FieldRef.FieldPath, podIP, hostIP)
	}
	return "", configErrorf("valueFrom names no source")
}

// fieldValue is the downward API subset pods can read.
func fieldValue(pod *api.Pod, path, podIP, hostIP string) (string, error) {
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return pod.UID, nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountOf(), nil
	case "status.podIP":
		return podIP, nil
	case "status.hostIP":
		return hostIP, nil
	}
	for _, p := range []struct {
		prefix string
		m      map[string]string
	}{{"metadata.labels['", pod.Labels}, {"metadata.annotations['", pod.Annotations}} {
		if k, ok := strings.CutPrefix(path, p.prefix); ok && strings.HasSuffix(k, "']") {
			return p.m[strings.TrimSuffix(k, "']")], nil
		}
	}
	return "", configErrorf("fieldRef %q is not supported (metadata.name, metadata.namespace, metadata.uid, metadata.labels['K'], metadata.annotations['K'], spec.nodeName, status.podIP, status.hostIP)", path)
}

// expand replaces $(NAME) with vars[NAME] when NAME is defined; unknown
// references stay as written and $$ is a literal $.
func expand(s string, vars map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteByte('$')
				continue
			}
			name := s[i+2 : i+2+end]
			if v, ok := vars[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}
