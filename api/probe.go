package api

// Probe checks a container's health. Exactly one of HTTPGet, TCPSocket,
// Exec and GRPC is set.
type Probe struct {
	// HTTPGet succeeds on an HTTP status from 200 to 399.
	HTTPGet *HTTPGetAction `json:"httpGet,omitempty"`
	// TCPSocket succeeds when a TCP connection opens.
	TCPSocket *TCPSocketAction `json:"tcpSocket,omitempty"`
	// Exec succeeds when the command exits 0.
	Exec *ExecAction `json:"exec,omitempty"`
	// InitialDelaySeconds waits this long after the container starts before
	// the first probe.
	InitialDelaySeconds int32 `json:"initialDelaySeconds,omitempty"`
	// PeriodSeconds is the time between probes (default 10).
	PeriodSeconds int32 `json:"periodSeconds,omitempty"`
	// TimeoutSeconds is how long one probe may take (default 1).
	TimeoutSeconds int32 `json:"timeoutSeconds,omitempty"`
	// SuccessThreshold is how many successes in a row count as healthy
	// after a failure (default 1; must be 1 for liveness and startup).
	SuccessThreshold int32 `json:"successThreshold,omitempty"`
	// FailureThreshold is how many failures in a row count as unhealthy
	// (default 3).
	FailureThreshold int32 `json:"failureThreshold,omitempty"`

	// Issue 12, gRPC probes (api/grpcprobe.go).

	// GRPC succeeds when the grpc.health.v1 Check answer is SERVING.
	GRPC *GRPCAction `json:"grpc,omitempty"`
}

// URIScheme is the scheme of an HTTP probe.
type URIScheme string

// Probe schemes.
const (
	// URISchemeHTTP probes over plain HTTP (the default).
	URISchemeHTTP URIScheme = "HTTP"
	// URISchemeHTTPS probes over HTTPS without verifying the certificate.
	URISchemeHTTPS URIScheme = "HTTPS"
)

// HTTPGetAction is an HTTP GET health check.
type HTTPGetAction struct {
	// Path is the request path (default "/").
	Path string `json:"path,omitempty"`
	// Port is the port number or the name of a container port.
	Port IntOrString `json:"port"`
	// Host is the host to connect to (default: the pod's IP).
	Host string `json:"host,omitempty"`
	// Scheme is HTTP (default) or HTTPS.
	Scheme URIScheme `json:"scheme,omitempty"`
	// HTTPHeaders are extra request headers.
	HTTPHeaders []HTTPHeader `json:"httpHeaders,omitempty"`
}

// HTTPHeader is one HTTP request header.
type HTTPHeader struct {
	// Name is the header field name.
	Name string `json:"name"`
	// Value is the header field value.
	Value string `json:"value"`
}

// TCPSocketAction is a TCP connect health check.
type TCPSocketAction struct {
	// Port is the port number or the name of a container port.
	Port IntOrString `json:"port"`
}

// ExecAction runs a command in the container as a health check.
type ExecAction struct {
	// Command is the command line, run without a shell.
	Command []string `json:"command,omitempty"`
}
