package api

func init() {
	register(&Kind{
		Name: "Namespace", APIVersion: "v1", Plural: "namespaces",
		Aliases: []string{"namespace", "ns"}, Namespaced: false, UserWritable: true,
		New: func() Object { return &Namespace{} },
	})
}

// DefaultNamespace is the namespace of namespaced objects that name none.
const DefaultNamespace = "default"

// Namespace groups namespaced objects; its name becomes a DNS label in
// service names (SVC.NAMESPACE.svc.cluster.local).
type Namespace struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// Status is written by the cluster.
	Status NamespaceStatus `json:"status,omitzero"`
}

// NamespacePhase is the lifecycle state of a namespace.
type NamespacePhase string

// Namespace phases.
const (
	// NamespaceActive namespaces accept new objects.
	NamespaceActive NamespacePhase = "Active"
	// NamespaceTerminating namespaces are being deleted with their objects.
	NamespaceTerminating NamespacePhase = "Terminating"
)

// NamespaceStatus is the observed state of a namespace.
type NamespaceStatus struct {
	// Phase is Active or Terminating.
	Phase NamespacePhase `json:"phase,omitempty"`
}
