package api

import "time"

// TypeMeta names the kind and API group/version of an object.
type TypeMeta struct {
	// APIVersion is the group/version, e.g. "apps/v1" or "v1".
	APIVersion string `json:"apiVersion,omitempty"`
	// Kind is the object's kind, e.g. "Deployment".
	Kind string `json:"kind,omitempty"`
}

// ObjectMeta is the metadata every object carries.
type ObjectMeta struct {
	// Name is unique per kind within a namespace (cluster-wide for
	// cluster-scoped kinds). It must be a DNS-1123 subdomain (or label for
	// kinds whose names become DNS labels).
	Name string `json:"name,omitempty"`
	// Namespace is empty for cluster-scoped kinds and defaults to "default"
	// for namespaced ones.
	Namespace string `json:"namespace,omitempty"`
	// UID is set by the cluster when the object is created and never changes.
	UID string `json:"uid,omitempty"`
	// ResourceVersion is the Raft index of the object's last write, set by
	// the cluster. A write that carries one fails if it no longer matches.
	ResourceVersion string `json:"resourceVersion,omitempty"`
	// Generation counts changes to the object's spec, set by the cluster.
	Generation int64 `json:"generation,omitempty"`
	// CreationTimestamp is set by the cluster when the object is created.
	CreationTimestamp *time.Time `json:"creationTimestamp,omitempty"`
	// DeletionTimestamp is set by the cluster when a graceful deletion has
	// started: the object is Terminating and is removed once whoever runs it
	// has stopped it (a pod: its node, after at most the grace period). As
	// in Kubernetes it is the moment the object is due to be gone: the
	// delete's time plus DeletionGracePeriodSeconds. Once set it is never
	// cleared and only moves earlier.
	DeletionTimestamp *time.Time `json:"deletionTimestamp,omitempty"`
	// DeletionGracePeriodSeconds is the grace period of a graceful
	// deletion in progress, set with DeletionTimestamp.
	DeletionGracePeriodSeconds *int64 `json:"deletionGracePeriodSeconds,omitempty"`
	// Labels are key/value pairs used by selectors.
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations are key/value pairs for tools; Shoal does not interpret them
	// unless documented.
	Annotations map[string]string `json:"annotations,omitempty"`
	// OwnerReferences name the objects this one belongs to; when the owner
	// is deleted, so is this object.
	OwnerReferences []OwnerReference `json:"ownerReferences,omitempty"`
}

// OwnerReference points at the object that owns another one.
type OwnerReference struct {
	// APIVersion is the owner's group/version, e.g. "apps/v1".
	APIVersion string `json:"apiVersion"`
	// Kind is the owner's kind, e.g. "Deployment".
	Kind string `json:"kind"`
	// Name is the owner's name, in the same namespace as the owned object.
	Name string `json:"name"`
	// UID is the owner's UID, so a new owner with the same name is not
	// mistaken for the old one.
	UID string `json:"uid"`
	// Controller is true for the owner that manages the object.
	Controller *bool `json:"controller,omitempty"`
}

// GetObjectMeta returns a pointer to the object's metadata. It lets every
// kind satisfy Object by embedding ObjectMeta.
func (m *ObjectMeta) GetObjectMeta() *ObjectMeta { return m }

// GetTypeMeta returns a pointer to the object's type metadata.
func (t *TypeMeta) GetTypeMeta() *TypeMeta { return t }
