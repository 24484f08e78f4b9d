package netsvc

import (
	"net/netip"
	"slices"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// Service is one service as this node's data plane programs it: what the
// nftables rules match (virtual addresses and ports) and where they send
// it (endpoints). The agent builds the list from its replica (services,
// pods, nodes) with a pure function and hands all of it to the Table,
// which works out what changed. Values are compared with Equal: a Service
// that is Equal to the one programmed last costs nothing.
type Service struct {
	// Namespace and Name identify the service; rules and chains are named
	// after them.
	Namespace, Name string
	// ClusterIP is the virtual IP; invalid for headless and ExternalName
	// services (which get no rules at all).
	ClusterIP netip.Addr
	// ExternalIPs are spec.externalIPs: every node accepts the service's
	// ports on them. Addresses in the cluster or service CIDR are left
	// out (they would take over pod or cluster-IP traffic).
	ExternalIPs []netip.Addr
	// LoadBalancerIPs are the addresses a LoadBalancer service is exposed
	// on (every node's advertise address, as status.loadBalancer lists
	// them); empty for other types and for a LoadBalancer left pending.
	LoadBalancerIPs []netip.Addr
	// Ports are the service's ports, each with its endpoints.
	Ports []ServicePort
	// AffinityTimeout is the ClientIP session-affinity timeout; 0 means
	// no affinity.
	AffinityTimeout time.Duration
	// ExternalLocal is externalTrafficPolicy Local: traffic arriving on a
	// node port, load-balancer IP or external IP goes only to endpoints on
	// this node, keeps its source address, and is dropped when there is
	// none here.
	ExternalLocal bool
	// InternalLocal is internalTrafficPolicy Local: traffic to the cluster
	// IP goes only to endpoints on this node.
	InternalLocal bool
}

// ServicePort is one port of a Service and the endpoints it reaches.
type ServicePort struct {
	// Name is the service port's name ("" for a single unnamed port).
	Name string
	// Protocol is TCP, UDP or SCTP.
	Protocol api.Protocol
	// Port is the port on the cluster IP, external IPs and load-balancer
	// IPs.
	Port uint16
	// NodePort is the port on every node's own addresses; 0 for none.
	NodePort uint16
	// Endpoints are the ready endpoints (not terminating), sorted by
	// address then port. Empty: connections are rejected at once.
	Endpoints []Endpoint
}

// Endpoint is one pod address and port that a service port sends to.
type Endpoint struct {
	Addr netip.Addr
	Port uint16
	// Local is true when the pod runs on this node.
	Local bool
}

// Equal reports whether s and o program the same rules.
func (s Service) Equal(o Service) bool {
	return s.Namespace == o.Namespace && s.Name == o.Name && s.ClusterIP == o.ClusterIP &&
		slices.Equal(s.ExternalIPs, o.ExternalIPs) && slices.Equal(s.LoadBalancerIPs, o.LoadBalancerIPs) &&
		s.AffinityTimeout == o.AffinityTimeout && s.ExternalLocal == o.ExternalLocal && s.InternalLocal == o.InternalLocal &&
		slices.EqualFunc(s.Ports, o.Ports, func(a, b ServicePort) bool {
			return a.Name == b.Name && a.Protocol == b.Protocol && a.Port == b.Port && a.NodePort == b.NodePort &&
				slices.Equal(a.Endpoints, b.Endpoints)
		})
}
