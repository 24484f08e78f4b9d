package api

func init() {
	register(&Kind{
		Name: "Service", APIVersion: "v1", Plural: "services",
		Aliases: []string{"service", "svc"}, Namespaced: true, UserWritable: true,
		New: func() Object { return &Service{} },
	})
}

// Service gives the pods its selector matches one stable name
// (NAME.NAMESPACE.svc.cluster.local) and, unless headless, one virtual IP
// that load-balances to the ready ones.
type Service struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// Spec is the desired state of the service.
	Spec ServiceSpec `json:"spec"`
	// Status is written by the cluster.
	Status ServiceStatus `json:"status,omitzero"`
}

// ServiceType says how a service is exposed.
type ServiceType string

// Service types.
const (
	// ServiceTypeClusterIP exposes the service on a virtual IP inside the
	// cluster (the default).
	ServiceTypeClusterIP ServiceType = "ClusterIP"
	// ServiceTypeNodePort also exposes each port on a port 30000-32767 of
	// every node.
	ServiceTypeNodePort ServiceType = "NodePort"
	// ServiceTypeLoadBalancer also exposes each port on the nodes'
	// addresses.
	ServiceTypeLoadBalancer ServiceType = "LoadBalancer"
)

// ClusterIPNone as spec.clusterIP makes a headless service: no virtual IP,
// DNS answers with the pods' own IPs.
const ClusterIPNone = "None"

// SessionAffinity says whether a client sticks to one pod.
type SessionAffinity string

// Session affinities.
const (
	// SessionAffinityNone spreads every connection (the default).
	SessionAffinityNone SessionAffinity = "None"
	// SessionAffinityClientIP sends a client IP to the same pod.
	SessionAffinityClientIP SessionAffinity = "ClientIP"
)

// ServiceSpec is the desired state of a service.
type ServiceSpec struct {
	// Type is ClusterIP (default), NodePort or LoadBalancer.
	Type ServiceType `json:"type,omitempty"`
	// Selector picks the pods by label; without one the service has no
	// endpoints.
	Selector map[string]string `json:"selector,omitempty"`
	// Ports are the ports the service exposes; required unless headless.
	Ports []ServicePort `json:"ports,omitempty"`
	// ClusterIP is the virtual IP: empty to have one allocated, an address
	// from the service CIDR, or "None" for a headless service.
	ClusterIP string `json:"clusterIP,omitempty"`
	// ClusterIPs holds ClusterIP (and in future a second address family);
	// its first entry equals ClusterIP.
	ClusterIPs []string `json:"clusterIPs,omitempty"`
	// SessionAffinity is None (default) or ClientIP.
	SessionAffinity SessionAffinity `json:"sessionAffinity,omitempty"`
	// PublishNotReadyAddresses puts pods in DNS before they are ready
	// (StatefulSet peers finding each other).
	PublishNotReadyAddresses bool `json:"publishNotReadyAddresses,omitempty"`
}

// IsHeadless reports whether the service has no virtual IP.
func (s *Service) IsHeadless() bool { return s.Spec.ClusterIP == ClusterIPNone }

// ServicePort is one port of a service.
type ServicePort struct {
	// Name is required when there is more than one port; a DNS label. It
	// names SRV records (_NAME._PROTOCOL.SVC...).
	Name string `json:"name,omitempty"`
	// Protocol is TCP (default) or UDP.
	Protocol Protocol `json:"protocol,omitempty"`
	// Port is the port on the service's IP, 1-65535.
	Port int32 `json:"port"`
	// TargetPort is the pod port traffic goes to: a number, or the name of
	// a container port (default: Port).
	TargetPort IntOrString `json:"targetPort,omitzero"`
	// NodePort is the port on every node, 30000-32767, for NodePort and
	// LoadBalancer services; allocated if 0.
	NodePort int32 `json:"nodePort,omitempty"`
}

// ServiceStatus is the observed state of a service.
type ServiceStatus struct {
	// LoadBalancer lists where a LoadBalancer service is reachable.
	LoadBalancer LoadBalancerStatus `json:"loadBalancer,omitzero"`
}

// LoadBalancerStatus lists the addresses a service or ingress is exposed on.
type LoadBalancerStatus struct {
	// Ingress lists the addresses.
	Ingress []LoadBalancerIngress `json:"ingress,omitempty"`
}

// LoadBalancerIngress is one address a service or ingress is exposed on.
type LoadBalancerIngress struct {
	// IP is the address.
	IP string `json:"ip,omitempty"`
}
