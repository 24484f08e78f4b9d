package api

import "strings"

// EnvFromSource takes every key of a ConfigMap or Secret as an environment
// variable (PREFIX+KEY). Exactly one of ConfigMapRef and SecretRef is set.
// Later sources override earlier ones, and env overrides them all.
type EnvFromSource struct {
	// Prefix is put in front of every key.
	Prefix string `json:"prefix,omitempty"`
	// ConfigMapRef names a ConfigMap in the pod's namespace.
	ConfigMapRef *ConfigMapEnvSource `json:"configMapRef,omitempty"`
	// SecretRef names a Secret in the pod's namespace.
	SecretRef *SecretEnvSource `json:"secretRef,omitempty"`
}

// ConfigMapEnvSource names the ConfigMap of an envFrom source.
type ConfigMapEnvSource struct {
	// Name is the ConfigMap's name.
	Name string `json:"name"`
	// Optional lets the container start without the ConfigMap (it then
	// adds no variables); otherwise the container waits for it.
	Optional *bool `json:"optional,omitempty"`
}

// SecretEnvSource names the Secret of an envFrom source.
type SecretEnvSource struct {
	// Name is the Secret's name.
	Name string `json:"name"`
	// Optional lets the container start without the Secret (it then adds
	// no variables); otherwise the container waits for it.
	Optional *bool `json:"optional,omitempty"`
}

// IsOptional reports whether an optional field is set to true.
func IsOptional(b *bool) bool { return b != nil && *b }

// validateEnvFrom checks a container's envFrom list at p.
func validateEnvFrom(e *errs, p string, list []EnvFromSource) {
	for i, src := range list {
		sp := index(p, i)
		if strings.Contains(src.Prefix, "=") {
			e.invalid(child(sp, "prefix"), src.Prefix, "may not contain '='")
		}
		var name, field string
		switch {
		case src.ConfigMapRef != nil && src.SecretRef != nil:
			e.add(sp, "may not have both configMapRef and secretRef")
			continue
		case src.ConfigMapRef != nil:
			name, field = src.ConfigMapRef.Name, "configMapRef.name"
		case src.SecretRef != nil:
			name, field = src.SecretRef.Name, "secretRef.name"
		default:
			e.add(sp, "must have one of configMapRef or secretRef")
			continue
		}
		if name == "" {
			e.required(child(sp, field))
		} else {
			e.check(child(sp, field), name, dnsSubdomainError(name))
		}
	}
}
