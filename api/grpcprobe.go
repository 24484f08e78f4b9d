package api

// GRPCAction is a gRPC health check (the standard grpc.health.v1.Health
// service's Check method); it succeeds when the answer is SERVING.
type GRPCAction struct {
	// Port is the port number of the gRPC server, 1-65535 (a name is not
	// allowed, as in Kubernetes).
	Port int32 `json:"port"`
	// Service is the service name sent in the request; empty (the
	// default) asks about the server as a whole.
	Service *string `json:"service,omitempty"`
}
