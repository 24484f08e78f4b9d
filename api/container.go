package api

// PullPolicy says when the agent pulls a container image.
type PullPolicy string

// Image pull policies.
const (
	// PullAlways pulls on every container start (default for ":latest" or
	// untagged images).
	PullAlways PullPolicy = "Always"
	// PullIfNotPresent pulls only when the image is missing (default
	// otherwise).
	PullIfNotPresent PullPolicy = "IfNotPresent"
	// PullNever never pulls; the image must have been imported.
	PullNever PullPolicy = "Never"
)

// Protocol is a network protocol of a port.
type Protocol string

// Protocols.
const (
	// ProtocolTCP is TCP (the default).
	ProtocolTCP Protocol = "TCP"
	// ProtocolUDP is UDP.
	ProtocolUDP Protocol = "UDP"
	// ProtocolSCTP is SCTP (container ports only).
	ProtocolSCTP Protocol = "SCTP"
)

// Container is one container of a pod.
type Container struct {
	// Name is unique within the pod and must be a DNS label.
	Name string `json:"name"`
	// Image is the image reference, e.g. "nginx:1.27" or
	// "registry.local:5000/app@sha256:...".
	Image string `json:"image"`
	// ImagePullPolicy is Always, IfNotPresent or Never; it defaults to
	// Always for ":latest" or untagged images, IfNotPresent otherwise.
	ImagePullPolicy PullPolicy `json:"imagePullPolicy,omitempty"`
	// Command replaces the image's entrypoint.
	Command []string `json:"command,omitempty"`
	// Args replaces the image's cmd.
	Args []string `json:"args,omitempty"`
	// WorkingDir replaces the image's working directory.
	WorkingDir string `json:"workingDir,omitempty"`
	// Env sets environment variables.
	Env []EnvVar `json:"env,omitempty"`
	// Ports documents the ports the container listens on; a HostPort also
	// publishes it on the node.
	Ports []ContainerPort `json:"ports,omitempty"`
	// Resources are the container's requests (used for placement) and
	// limits (enforced).
	Resources ResourceRequirements `json:"resources,omitzero"`
	// VolumeMounts mount the pod's volumes into the container.
	VolumeMounts []VolumeMount `json:"volumeMounts,omitempty"`
	// LivenessProbe restarts the container when it fails.
	LivenessProbe *Probe `json:"livenessProbe,omitempty"`
	// ReadinessProbe takes the pod out of service endpoints when it fails.
	ReadinessProbe *Probe `json:"readinessProbe,omitempty"`
	// StartupProbe holds off the other probes until it succeeds once.
	StartupProbe *Probe `json:"startupProbe,omitempty"`
	// SecurityContext holds the container's security settings; they
	// override the pod's.
	SecurityContext *SecurityContext `json:"securityContext,omitempty"`

	// Issue 12, envFrom (api/envfrom.go).

	// EnvFrom takes every key of ConfigMaps and Secrets as environment
	// variables; Env overrides them.
	EnvFrom []EnvFromSource `json:"envFrom,omitempty"`

	// Issue 12, lifecycle hooks (api/lifecycle.go).

	// Lifecycle runs handlers right after the container starts
	// (postStart) and before it is stopped (preStop).
	Lifecycle *Lifecycle `json:"lifecycle,omitempty"`

	// Issue 12, sidecars (api/sidecar.go).

	// RestartPolicy, on an init container, may only be Always: the
	// container is a sidecar (see ContainerRestartAlways). Not allowed on
	// the pod's other containers.
	RestartPolicy *ContainerRestartPolicy `json:"restartPolicy,omitempty"`
}

// EnvVar is one environment variable.
type EnvVar struct {
	// Name is the variable's name; it may not contain '='.
	Name string `json:"name"`
	// Value is the literal value; $(VAR) references to earlier variables
	// are expanded.
	Value string `json:"value,omitempty"`
	// ValueFrom takes the value from elsewhere; not allowed with Value.
	ValueFrom *EnvVarSource `json:"valueFrom,omitempty"`
}

// EnvVarSource names where an environment variable's value comes from;
// exactly one field is set.
type EnvVarSource struct {
	// ConfigMapKeyRef selects a key of a ConfigMap in the pod's namespace.
	ConfigMapKeyRef *KeySelector `json:"configMapKeyRef,omitempty"`
	// SecretKeyRef selects a key of a Secret in the pod's namespace.
	SecretKeyRef *KeySelector `json:"secretKeyRef,omitempty"`
	// FieldRef selects a field of the pod, e.g. "status.podIP".
	FieldRef *ObjectFieldSelector `json:"fieldRef,omitempty"`
}

// KeySelector selects one key of a ConfigMap or Secret.
type KeySelector struct {
	// Name is the ConfigMap's or Secret's name.
	Name string `json:"name"`
	// Key is the key within its data.
	Key string `json:"key"`
	// Optional leaves the variable unset when the object or the key is
	// missing; otherwise the container waits for them.
	Optional *bool `json:"optional,omitempty"`
}

// ObjectFieldSelector selects a field of the pod.
type ObjectFieldSelector struct {
	// FieldPath is one of metadata.name, metadata.namespace, metadata.uid,
	// metadata.labels['KEY'], metadata.annotations['KEY'], spec.nodeName,
	// status.hostIP, status.podIP, status.podIPs.
	FieldPath string `json:"fieldPath"`
}

// ContainerPort is a port a container listens on.
type ContainerPort struct {
	// Name lets probes and services refer to the port by name; an IANA
	// service name (at most 15 characters, lower case, with a letter).
	Name string `json:"name,omitempty"`
	// ContainerPort is the port number inside the pod, 1-65535.
	ContainerPort int32 `json:"containerPort"`
	// HostPort, if set, publishes the port on the node's addresses.
	HostPort int32 `json:"hostPort,omitempty"`
	// Protocol is TCP (default), UDP or SCTP.
	Protocol Protocol `json:"protocol,omitempty"`
}

// ResourceRequirements are a container's resource requests and limits. Only
// cpu, memory and ephemeral-storage are allowed.
type ResourceRequirements struct {
	// Requests are what the scheduler reserves for the container.
	Requests ResourceList `json:"requests,omitempty"`
	// Limits are the most the container may use; each must be at least the
	// matching request.
	Limits ResourceList `json:"limits,omitempty"`
}

// VolumeMount mounts one of the pod's volumes into a container.
type VolumeMount struct {
	// Name is the volume's name (or, in a StatefulSet, a volume claim
	// template's name).
	Name string `json:"name"`
	// MountPath is the absolute path inside the container.
	MountPath string `json:"mountPath"`
	// ReadOnly mounts the volume read-only.
	ReadOnly bool `json:"readOnly,omitempty"`
	// SubPath mounts a relative path within the volume instead of its root.
	SubPath string `json:"subPath,omitempty"`
}

// SecurityContext holds a container's security settings.
type SecurityContext struct {
	// RunAsUser is the UID the container's process runs as.
	RunAsUser *int64 `json:"runAsUser,omitempty"`
	// RunAsGroup is the primary GID the container's process runs as.
	RunAsGroup *int64 `json:"runAsGroup,omitempty"`
	// RunAsNonRoot refuses to start the container as UID 0.
	RunAsNonRoot *bool `json:"runAsNonRoot,omitempty"`
	// ReadOnlyRootFilesystem mounts the image's filesystem read-only.
	ReadOnlyRootFilesystem *bool `json:"readOnlyRootFilesystem,omitempty"`
	// Privileged gives the container all capabilities and devices.
	Privileged *bool `json:"privileged,omitempty"`
	// AllowPrivilegeEscalation controls no_new_privs for the process.
	AllowPrivilegeEscalation *bool `json:"allowPrivilegeEscalation,omitempty"`
	// Capabilities adds or drops Linux capabilities.
	Capabilities *Capabilities `json:"capabilities,omitempty"`
	// SeccompProfile is the container's seccomp filter; it overrides the
	// pod's (default RuntimeDefault).
	SeccompProfile *SeccompProfile `json:"seccompProfile,omitempty"`
}

// SeccompProfile chooses a seccomp filter.
type SeccompProfile struct {
	// Type is RuntimeDefault or Unconfined (Localhost is not supported).
	Type SeccompProfileType `json:"type"`
	// LocalhostProfile names a profile file on the node; refused, as
	// Localhost profiles are not supported.
	LocalhostProfile *string `json:"localhostProfile,omitempty"`
}

// SeccompProfileType is a kind of seccomp profile.
type SeccompProfileType string

// Seccomp profile types.
const (
	// SeccompRuntimeDefault is containerd's default filter, which refuses
	// system calls a container should not need (mount, kexec_load, ...).
	SeccompRuntimeDefault SeccompProfileType = "RuntimeDefault"
	// SeccompUnconfined runs without a filter.
	SeccompUnconfined SeccompProfileType = "Unconfined"
	// SeccompLocalhost is a profile file on the node; not supported.
	SeccompLocalhost SeccompProfileType = "Localhost"
)

// Capabilities adds and drops Linux capabilities ("NET_ADMIN", or "ALL"
// to drop), without the CAP_ prefix.
type Capabilities struct {
	// Add lists capabilities to add.
	Add []string `json:"add,omitempty"`
	// Drop lists capabilities to drop.
	Drop []string `json:"drop,omitempty"`
}
