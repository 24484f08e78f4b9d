package api

func init() {
	register(&Kind{
		Name: "Endpoints", APIVersion: "v1", Plural: "endpoints",
		Aliases: []string{"ep"}, Namespaced: true, UserWritable: false,
		New: func() Object { return &Endpoints{} },
	})
}

// Endpoints lists where a service's traffic goes: the addresses of the pods
// its selector matches, ready and not ready, with the ports resolved per
// pod. Shoal never stores Endpoints: every agent computes them from its own
// replica (services and pods) whenever it needs them, so a pod change costs
// no write. The API serves the computed object under the service's name.
type Endpoints struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// Subsets group addresses that share the same ports; pods whose named
	// target ports resolve to different numbers land in different
	// subsets. Sorted, so equal inputs give equal output.
	Subsets []EndpointSubset `json:"subsets,omitempty"`
}

// EndpointSubset is a set of addresses that all take the same ports.
type EndpointSubset struct {
	// Addresses are ready pods (or, with publishNotReadyAddresses, every
	// matched pod that has an IP and is not terminating).
	Addresses []EndpointAddress `json:"addresses,omitempty"`
	// NotReadyAddresses are pods that are not ready yet, or terminating.
	NotReadyAddresses []EndpointAddress `json:"notReadyAddresses,omitempty"`
	// Ports are the ports of these addresses.
	Ports []EndpointPort `json:"ports,omitempty"`
}

// EndpointAddress is one pod's address.
type EndpointAddress struct {
	// IP is the pod's IP.
	IP string `json:"ip"`
	// Hostname is the pod's spec.hostname, when it has one (DNS
	// HOSTNAME.SERVICE.NS.svc records).
	Hostname string `json:"hostname,omitempty"`
	// NodeName is the node the pod runs on.
	NodeName string `json:"nodeName,omitempty"`
	// TargetRef names the pod.
	TargetRef *ObjectReference `json:"targetRef,omitempty"`
}

// EndpointPort is one port of a subset.
type EndpointPort struct {
	// Name is the service port's name.
	Name string `json:"name,omitempty"`
	// Port is the pod port.
	Port int32 `json:"port"`
	// Protocol is TCP, UDP or SCTP.
	Protocol Protocol `json:"protocol,omitempty"`
	// AppProtocol is the service port's appProtocol.
	AppProtocol string `json:"appProtocol,omitempty"`
}
