package api

func init() {
	register(&Kind{
		Name: "Ingress", APIVersion: "networking.k8s.io/v1", Plural: "ingresses",
		Aliases: []string{"ingress", "ing"}, Namespaced: true, UserWritable: true,
		New: func() Object { return &Ingress{} },
	})
}

// Ingress routes HTTP requests that reach any node's ingress proxy to
// services, by host and path.
type Ingress struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// Spec is the desired routing.
	Spec IngressSpec `json:"spec"`
	// Status is written by the cluster.
	Status IngressStatus `json:"status,omitzero"`
}

// IngressSpec is the desired routing of an ingress.
type IngressSpec struct {
	// IngressClassName picks the ingress controller. Shoal's built-in
	// proxy serves "shoal", classes whose controller is IngressController,
	// and Ingresses without a class unless a default IngressClass names
	// another controller.
	IngressClassName *string `json:"ingressClassName,omitempty"`
	// DefaultBackend takes requests that match no rule.
	DefaultBackend *IngressBackend `json:"defaultBackend,omitempty"`
	// TLS lists hosts served over HTTPS and their certificates.
	TLS []IngressTLS `json:"tls,omitempty"`
	// Rules route by host and path.
	Rules []IngressRule `json:"rules,omitempty"`
}

// IngressTLS is a certificate for some hosts.
type IngressTLS struct {
	// Hosts the certificate covers.
	Hosts []string `json:"hosts,omitempty"`
	// SecretName is a kubernetes.io/tls secret in the ingress's namespace.
	SecretName string `json:"secretName,omitempty"`
}

// IngressRule routes requests for one host (or every host).
type IngressRule struct {
	// Host is a DNS name, "*.example.com", or empty for every host.
	Host string `json:"host,omitempty"`
	// HTTP lists the host's paths.
	HTTP *HTTPIngressRuleValue `json:"http,omitempty"`
}

// HTTPIngressRuleValue lists the paths of a rule.
type HTTPIngressRuleValue struct {
	// Paths are matched longest first.
	Paths []HTTPIngressPath `json:"paths"`
}

// PathType says how an ingress path matches a request path.
type PathType string

// Path types.
const (
	// PathTypeExact matches the path exactly.
	PathTypeExact PathType = "Exact"
	// PathTypePrefix matches the path and anything below it, element by
	// element ("/a" matches "/a" and "/a/b", not "/ab").
	PathTypePrefix PathType = "Prefix"
	// PathTypeImplementationSpecific is Prefix in Shoal.
	PathTypeImplementationSpecific PathType = "ImplementationSpecific"
)

// HTTPIngressPath sends one path to a backend.
type HTTPIngressPath struct {
	// Path starts with '/'.
	Path string `json:"path,omitempty"`
	// PathType is Exact, Prefix or ImplementationSpecific; required.
	PathType *PathType `json:"pathType"`
	// Backend is where matching requests go.
	Backend IngressBackend `json:"backend"`
}

// IngressBackend is where requests go.
type IngressBackend struct {
	// Service is a service in the ingress's namespace.
	Service *IngressServiceBackend `json:"service,omitempty"`
}

// IngressServiceBackend names a service port.
type IngressServiceBackend struct {
	// Name is the service's name.
	Name string `json:"name"`
	// Port is the service port, by number or name.
	Port ServiceBackendPort `json:"port,omitzero"`
}

// ServiceBackendPort names a service port; exactly one field is set.
type ServiceBackendPort struct {
	// Name is the service port's name.
	Name string `json:"name,omitempty"`
	// Number is the service port's number.
	Number int32 `json:"number,omitempty"`
}

// IngressStatus is the observed state of an ingress.
type IngressStatus struct {
	// LoadBalancer lists the addresses the ingress is served on.
	LoadBalancer LoadBalancerStatus `json:"loadBalancer,omitzero"`
}
