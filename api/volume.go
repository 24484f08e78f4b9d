package api

// Volume is a named volume of a pod. Exactly one source field is set.
type Volume struct {
	// Name is unique within the pod and must be a DNS label.
	Name string `json:"name"`
	// EmptyDir is a scratch directory that lives as long as the pod.
	EmptyDir *EmptyDirVolumeSource `json:"emptyDir,omitempty"`
	// HostPath is a file or directory of the node.
	HostPath *HostPathVolumeSource `json:"hostPath,omitempty"`
	// ConfigMap projects a ConfigMap's keys as files.
	ConfigMap *ConfigMapVolumeSource `json:"configMap,omitempty"`
	// Secret projects a Secret's keys as files.
	Secret *SecretVolumeSource `json:"secret,omitempty"`
	// PersistentVolumeClaim mounts a claim, e.g. one made from a
	// StatefulSet's volume claim template.
	PersistentVolumeClaim *PersistentVolumeClaimVolumeSource `json:"persistentVolumeClaim,omitempty"`

	// Projected sources (issue 12, api/projected.go).

	// Projected puts ConfigMap, Secret and downward API files into one
	// directory.
	Projected *ProjectedVolumeSource `json:"projected,omitempty"`
	// DownwardAPI writes the pod's own metadata as files.
	DownwardAPI *DownwardAPIVolumeSource `json:"downwardAPI,omitempty"`
}

// StorageMedium is where an emptyDir lives.
type StorageMedium string

// Storage media.
const (
	// StorageMediumDefault is the node's disk.
	StorageMediumDefault StorageMedium = ""
	// StorageMediumMemory is a tmpfs.
	StorageMediumMemory StorageMedium = "Memory"
)

// EmptyDirVolumeSource is a scratch directory.
type EmptyDirVolumeSource struct {
	// Medium is "" (node disk) or "Memory" (tmpfs).
	Medium StorageMedium `json:"medium,omitempty"`
	// SizeLimit caps the directory's size: with medium Memory it is the
	// tmpfs's size (writes past it fail with ENOSPC); on disk the pod is
	// evicted once the directory holds more, as kubelet does.
	SizeLimit *Quantity `json:"sizeLimit,omitempty"`
}

// HostPathType checks what a host path is before mounting it.
type HostPathType string

// Host path types.
const (
	// HostPathUnset does no check.
	HostPathUnset HostPathType = ""
	// HostPathDirectoryOrCreate creates an empty directory if nothing exists.
	HostPathDirectoryOrCreate HostPathType = "DirectoryOrCreate"
	// HostPathDirectory requires an existing directory.
	HostPathDirectory HostPathType = "Directory"
	// HostPathFileOrCreate creates an empty file if nothing exists.
	HostPathFileOrCreate HostPathType = "FileOrCreate"
	// HostPathFile requires an existing file.
	HostPathFile HostPathType = "File"
	// HostPathSocket requires an existing UNIX socket.
	HostPathSocket HostPathType = "Socket"
	// HostPathCharDev requires an existing character device.
	HostPathCharDev HostPathType = "CharDevice"
	// HostPathBlockDev requires an existing block device.
	HostPathBlockDev HostPathType = "BlockDevice"
)

// HostPathVolumeSource is a path on the node.
type HostPathVolumeSource struct {
	// Path is the absolute path on the node.
	Path string `json:"path"`
	// Type checks the path before mounting; "" does no check.
	Type HostPathType `json:"type,omitempty"`
}

// KeyToPath projects one key of a ConfigMap or Secret to a file.
type KeyToPath struct {
	// Key is the key to project.
	Key string `json:"key"`
	// Path is the relative file path to write it to; it may not contain "..".
	Path string `json:"path"`
	// Mode is the file's permission bits (default: the volume's DefaultMode).
	Mode *int32 `json:"mode,omitempty"`
}

// ConfigMapVolumeSource projects a ConfigMap as files.
type ConfigMapVolumeSource struct {
	// Name is the ConfigMap's name, in the pod's namespace.
	Name string `json:"name"`
	// Items picks keys and file names; without it every key becomes a file
	// named after the key.
	Items []KeyToPath `json:"items,omitempty"`
	// DefaultMode is the files' permission bits (default 0644).
	DefaultMode *int32 `json:"defaultMode,omitempty"`
	// Optional mounts an empty directory while the ConfigMap is missing,
	// and skips missing keys of Items; otherwise the pod waits for them.
	Optional *bool `json:"optional,omitempty"`
}

// SecretVolumeSource projects a Secret as files.
type SecretVolumeSource struct {
	// SecretName is the Secret's name, in the pod's namespace.
	SecretName string `json:"secretName"`
	// Items picks keys and file names; without it every key becomes a file
	// named after the key.
	Items []KeyToPath `json:"items,omitempty"`
	// DefaultMode is the files' permission bits (default 0644).
	DefaultMode *int32 `json:"defaultMode,omitempty"`
	// Optional mounts an empty directory while the Secret is missing,
	// and skips missing keys of Items; otherwise the pod waits for them.
	Optional *bool `json:"optional,omitempty"`
}

// PersistentVolumeClaimVolumeSource mounts a persistent volume claim.
type PersistentVolumeClaimVolumeSource struct {
	// ClaimName is the claim's name, in the pod's namespace.
	ClaimName string `json:"claimName"`
}
