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
	// ServiceTypeNodePort also exposes each port on a port of every node,
	// from the agents' --node-port-range (default 30000-32767).
	ServiceTypeNodePort ServiceType = "NodePort"
	// ServiceTypeLoadBalancer also exposes each port on the nodes'
	// addresses (like k3s's ServiceLB).
	ServiceTypeLoadBalancer ServiceType = "LoadBalancer"
	// ServiceTypeExternalName is a DNS alias (CNAME) for
	// spec.externalName: no virtual IP, no endpoints.
	ServiceTypeExternalName ServiceType = "ExternalName"
)

// TrafficPolicy says which endpoints a node sends service traffic to.
type TrafficPolicy string

// Traffic policies.
const (
	// TrafficPolicyCluster sends traffic to ready endpoints on every node
	// (the default).
	TrafficPolicyCluster TrafficPolicy = "Cluster"
	// TrafficPolicyLocal sends traffic only to endpoints on the node that
	// received it: for external traffic the client's source IP is kept and
	// a node without a local endpoint does not answer.
	TrafficPolicyLocal TrafficPolicy = "Local"
)

// DefaultClientIPTimeoutSeconds is how long a ClientIP session sticks to
// its pod unless sessionAffinityConfig says otherwise (3 hours, as in
// Kubernetes).
const DefaultClientIPTimeoutSeconds = 10800

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
	// ClusterIP is the virtual IP: empty to have one allocated (and keep
	// it on a re-apply), an address from the service CIDR, or "None" for a
	// headless service. It cannot be changed once set.
	ClusterIP string `json:"clusterIP,omitempty"`
	// ClusterIPs holds ClusterIP (and in future a second address family);
	// its first entry equals ClusterIP.
	ClusterIPs []string `json:"clusterIPs,omitempty"`
	// SessionAffinity is None (default) or ClientIP.
	SessionAffinity SessionAffinity `json:"sessionAffinity,omitempty"`
	// SessionAffinityConfig holds the ClientIP timeout.
	SessionAffinityConfig *SessionAffinityConfig `json:"sessionAffinityConfig,omitempty"`
	// PublishNotReadyAddresses puts pods in DNS before they are ready
	// (StatefulSet peers finding each other).
	PublishNotReadyAddresses bool `json:"publishNotReadyAddresses,omitempty"`
	// ExternalName is the DNS name an ExternalName service aliases.
	ExternalName string `json:"externalName,omitempty"`
	// ExternalIPs are extra addresses, routed to the nodes by someone
	// else, on which every node accepts the service's ports.
	ExternalIPs []string `json:"externalIPs,omitempty"`
	// ExternalTrafficPolicy is Cluster (default) or Local, for traffic to
	// node ports, load-balancer and external IPs.
	ExternalTrafficPolicy TrafficPolicy `json:"externalTrafficPolicy,omitempty"`
	// InternalTrafficPolicy is Cluster (default) or Local, for traffic
	// from pods and nodes to the cluster IP.
	InternalTrafficPolicy TrafficPolicy `json:"internalTrafficPolicy,omitempty"`
}

// SessionAffinityConfig configures session affinity.
type SessionAffinityConfig struct {
	// ClientIP configures ClientIP affinity.
	ClientIP *ClientIPConfig `json:"clientIP,omitempty"`
}

// ClientIPConfig configures ClientIP affinity.
type ClientIPConfig struct {
	// TimeoutSeconds is how long a client sticks to its pod after its last
	// packet: 1-86400, default 10800.
	TimeoutSeconds *int32 `json:"timeoutSeconds,omitempty"`
}

// IsExternalName reports whether the service is a DNS alias only.
func (s *Service) IsExternalName() bool { return s.Spec.Type == ServiceTypeExternalName }

// HasNodePorts reports whether the service's ports are opened on every
// node (NodePort and LoadBalancer).
func (s *Service) HasNodePorts() bool {
	return s.Spec.Type == ServiceTypeNodePort || s.Spec.Type == ServiceTypeLoadBalancer
}

// AffinityTimeout is the ClientIP affinity timeout in seconds, or 0 when
// the service has no affinity.
func (s *Service) AffinityTimeout() int32 {
	if s.Spec.SessionAffinity != SessionAffinityClientIP {
		return 0
	}
	if c := s.Spec.SessionAffinityConfig; c != nil && c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil {
		return *c.ClientIP.TimeoutSeconds
	}
	return DefaultClientIPTimeoutSeconds
}

// IsHeadless reports whether the service has no virtual IP.
func (s *Service) IsHeadless() bool { return s.Spec.ClusterIP == ClusterIPNone }

// ServicePort is one port of a service.
type ServicePort struct {
	// Name is required when there is more than one port; a DNS label. It
	// names SRV records (_NAME._PROTOCOL.SVC...).
	Name string `json:"name,omitempty"`
	// Protocol is TCP (default), UDP or SCTP.
	Protocol Protocol `json:"protocol,omitempty"`
	// AppProtocol names the application protocol (e.g. "http", "h2c",
	// "kubernetes.io/h2c", "grpc"); the ingress uses it to talk to
	// backends.
	AppProtocol string `json:"appProtocol,omitempty"`
	// Port is the port on the service's IP, 1-65535.
	Port int32 `json:"port"`
	// TargetPort is the pod port traffic goes to: a number, or the name of
	// a container port (default: Port).
	TargetPort IntOrString `json:"targetPort,omitzero"`
	// NodePort is the port on every node for NodePort and LoadBalancer
	// services, from the agents' --node-port-range (default 30000-32767);
	// allocated by the leader if 0, kept on a re-apply that leaves it 0.
	NodePort int32 `json:"nodePort,omitempty"`
}

// ServiceStatus is the observed state of a service.
type ServiceStatus struct {
	// LoadBalancer lists where a LoadBalancer service is reachable: the
	// Ready nodes' addresses, written by the leader; empty while the
	// service is pending (another LoadBalancer service has its port).
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
