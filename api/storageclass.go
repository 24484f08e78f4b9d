package api

func init() {
	register(&Kind{
		Name: "StorageClass", APIVersion: "storage.k8s.io/v1", Plural: "storageclasses",
		Aliases: []string{"storageclass", "sc"}, Namespaced: false, UserWritable: true,
		New: func() Object { return &StorageClass{} },
	})
}

// The one kind of storage Shoal provides: a directory on the node of the
// claim's first pod, as k3s's local-path-provisioner does.
const (
	// StorageClassLocalPath is the default StorageClass, which exists
	// without being applied.
	StorageClassLocalPath = "local-path"
	// ProvisionerLocalPath is the provisioner of Shoal's storage classes.
	ProvisionerLocalPath = "rancher.io/local-path"
	// AnnotationDefaultStorageClass marks the class claims without
	// storageClassName get (value "true").
	AnnotationDefaultStorageClass = "storageclass.kubernetes.io/is-default-class"
)

// PersistentVolumeReclaimPolicy says what happens to a volume's data when
// its claim is deleted.
type PersistentVolumeReclaimPolicy string

// Reclaim policies.
const (
	// ReclaimDelete removes the data with the claim (the only one Shoal
	// supports).
	ReclaimDelete PersistentVolumeReclaimPolicy = "Delete"
	// ReclaimRetain keeps the data after the claim is gone.
	ReclaimRetain PersistentVolumeReclaimPolicy = "Retain"
)

// VolumeBindingMode says when a claim is bound.
type VolumeBindingMode string

// Binding modes.
const (
	// BindingWaitForFirstConsumer binds a claim where its first pod is
	// placed (the only one Shoal supports: its volumes are node-local).
	BindingWaitForFirstConsumer VolumeBindingMode = "WaitForFirstConsumer"
	// BindingImmediate binds a claim as soon as it is created.
	BindingImmediate VolumeBindingMode = "Immediate"
)

// StorageClass is a kind of storage claims ask for by name
// (spec.storageClassName). Shoal provides one, rancher.io/local-path;
// the class local-path exists without being applied and is the default.
type StorageClass struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// Provisioner makes the volumes; must be rancher.io/local-path.
	Provisioner string `json:"provisioner"`
	// Parameters are for the provisioner; local-path takes none (they
	// are kept and ignored, as k3s's provisioner ignores unknown ones).
	Parameters map[string]string `json:"parameters,omitempty"`
	// ReclaimPolicy is Delete (the default and the only one).
	ReclaimPolicy *PersistentVolumeReclaimPolicy `json:"reclaimPolicy,omitempty"`
	// VolumeBindingMode is WaitForFirstConsumer (the default here and
	// the only one).
	VolumeBindingMode *VolumeBindingMode `json:"volumeBindingMode,omitempty"`
	// AllowVolumeExpansion must not be true: sizes are not enforced, so
	// there is nothing to expand.
	AllowVolumeExpansion *bool `json:"allowVolumeExpansion,omitempty"`
}

// DefaultStorageClass is the built-in class local-path, which reads show
// when no StorageClass of that name is stored.
func DefaultStorageClass() *StorageClass {
	reclaim, binding := ReclaimDelete, BindingWaitForFirstConsumer
	return &StorageClass{
		TypeMeta: TypeMeta{APIVersion: "storage.k8s.io/v1", Kind: "StorageClass"},
		ObjectMeta: ObjectMeta{
			Name:        StorageClassLocalPath,
			Annotations: map[string]string{AnnotationDefaultStorageClass: "true"},
		},
		Provisioner:       ProvisionerLocalPath,
		ReclaimPolicy:     &reclaim,
		VolumeBindingMode: &binding,
	}
}

// defaultStorageClass fills a class's defaults: reclaimPolicy Delete and
// volumeBindingMode WaitForFirstConsumer (Kubernetes defaults the latter
// to Immediate, which node-local volumes cannot honour).
func defaultStorageClass(c *StorageClass) {
	if c.ReclaimPolicy == nil {
		c.ReclaimPolicy = ptr(ReclaimDelete)
	}
	if c.VolumeBindingMode == nil {
		c.VolumeBindingMode = ptr(BindingWaitForFirstConsumer)
	}
}

// defaultClaim gives a claim without storageClassName the default class,
// as Kubernetes' DefaultStorageClass admission does. An explicit ""
// (no class) is kept and refused by validation.
func defaultClaim(c *PersistentVolumeClaim) {
	if c.Spec.StorageClassName == nil {
		c.Spec.StorageClassName = ptr(StorageClassLocalPath)
	}
}
