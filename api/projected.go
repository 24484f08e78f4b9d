package api

// Projected and downwardAPI volumes (issue 12). The agent writes their
// files (agent/pods/projected.go) and rewrites them when their sources
// change, as it does for configMap and secret volumes.

// ProjectedVolumeSource puts the files of several sources into one
// directory.
type ProjectedVolumeSource struct {
	// Sources are the projections, in order; a later file of the same
	// path is refused.
	Sources []VolumeProjection `json:"sources"`
	// DefaultMode is the files' permission bits (default 0644).
	DefaultMode *int32 `json:"defaultMode,omitempty"`
}

// VolumeProjection is one source of a projected volume; exactly one
// field is set.
type VolumeProjection struct {
	// ConfigMap projects a ConfigMap's keys.
	ConfigMap *ConfigMapProjection `json:"configMap,omitempty"`
	// Secret projects a Secret's keys.
	Secret *SecretProjection `json:"secret,omitempty"`
	// DownwardAPI projects the pod's own metadata.
	DownwardAPI *DownwardAPIProjection `json:"downwardAPI,omitempty"`
	// ServiceAccountToken is refused: Shoal issues no service account
	// tokens (see serviceAccountTokenReason).
	ServiceAccountToken *ServiceAccountTokenProjection `json:"serviceAccountToken,omitempty"`
}

// ConfigMapProjection is a ConfigMap source of a projected volume.
type ConfigMapProjection struct {
	// Name is the ConfigMap's name, in the pod's namespace.
	Name string `json:"name"`
	// Items picks keys and file names; without it every key becomes a
	// file named after the key.
	Items []KeyToPath `json:"items,omitempty"`
	// Optional skips a missing ConfigMap or key.
	Optional *bool `json:"optional,omitempty"`
}

// SecretProjection is a Secret source of a projected volume.
type SecretProjection struct {
	// Name is the Secret's name, in the pod's namespace.
	Name string `json:"name"`
	// Items picks keys and file names; without it every key becomes a
	// file named after the key.
	Items []KeyToPath `json:"items,omitempty"`
	// Optional skips a missing Secret or key.
	Optional *bool `json:"optional,omitempty"`
}

// DownwardAPIProjection is a downward API source of a projected volume.
type DownwardAPIProjection struct {
	// Items are the files, each one field of the pod.
	Items []DownwardAPIVolumeFile `json:"items,omitempty"`
}

// ServiceAccountTokenProjection is Kubernetes' service account token
// source. Shoal decodes it only to refuse it with the reason.
type ServiceAccountTokenProjection struct {
	// Audience is the token's intended audience.
	Audience string `json:"audience,omitempty"`
	// ExpirationSeconds is the token's lifetime.
	ExpirationSeconds *int64 `json:"expirationSeconds,omitempty"`
	// Path is the token's file.
	Path string `json:"path"`
}

// DownwardAPIVolumeSource is a volume of files holding the pod's own
// metadata.
type DownwardAPIVolumeSource struct {
	// Items are the files, each one field of the pod.
	Items []DownwardAPIVolumeFile `json:"items,omitempty"`
	// DefaultMode is the files' permission bits (default 0644).
	DefaultMode *int32 `json:"defaultMode,omitempty"`
}

// DownwardAPIVolumeFile is one file of the downward API.
type DownwardAPIVolumeFile struct {
	// Path is the file's relative path.
	Path string `json:"path"`
	// FieldRef selects the field: metadata.name, metadata.namespace,
	// metadata.uid, metadata.labels, metadata.annotations (one
	// key="value" line per entry, sorted), or one label or annotation as
	// metadata.labels['KEY'].
	FieldRef *ObjectFieldSelector `json:"fieldRef,omitempty"`
	// Mode is the file's permission bits (default: the volume's).
	Mode *int32 `json:"mode,omitempty"`
}

// serviceAccountTokenReason is why a serviceAccountToken projection is
// refused.
const serviceAccountTokenReason = "not supported by Shoal: Shoal issues no service account tokens (pods have no Kubernetes API to present them to); mount a Secret instead"
