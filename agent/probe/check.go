package probe

import (
	"context"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// Execer runs a command inside a container and returns its exit code and
// combined output; the agent's containerd runtime implements it. An error
// means the command could not be run at all, not that it failed.
type Execer interface {
	Exec(ctx context.Context, containerID string, args []string) (exitCode int, output []byte, err error)
}

// Target is what a probe runs against.
type Target struct {
	// PodIP is the host of tcpSocket probes and the default host of
	// httpGet probes.
	PodIP string
	// Ports are the container's ports, to resolve port names.
	Ports []api.ContainerPort
	// ContainerID is the container exec probes run in.
	ContainerID string
	// Exec runs exec probes; without it they fail.
	Exec Execer
	// StartedAt is when the container started; a Worker counts
	// initialDelaySeconds from it. Zero counts from Worker.Run.
	StartedAt time.Time
}

// Check runs one attempt of p against t, bounded by p's timeoutSeconds
// (default 1s), and returns its result and a short message for events,
// empty on Success.
//
//   - httpGet succeeds on a status from 200 to 399. It does not follow
//     redirects: a 3xx is a success. HTTPS does not verify certificates.
//   - tcpSocket succeeds when a connection to PodIP opens.
//   - exec succeeds when the command exits 0.
//   - grpc succeeds when the grpc.health.v1 Check answer is SERVING.
//
// A timeout is a Failure. Check returns Unknown when ctx ends before the
// attempt does, or when the Execer cannot run the command. Check returns at
// the timeout even if the Execer ignores ctx; the Execer's goroutine then
// ends whenever the Execer returns.
func Check(ctx context.Context, p *api.Probe, t Target) (Result, string) {
	if p == nil {
		return Failure, "no probe"
	}
	timeout := probeTimeout(p)
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var (
		res Result
		msg string
	)
	switch {
	case p.HTTPGet != nil:
		res, msg = checkHTTP(pctx, p.HTTPGet, t, timeout)
	case p.TCPSocket != nil:
		res, msg = checkTCP(pctx, p.TCPSocket, t)
	case p.Exec != nil:
		res, msg = checkExec(pctx, p.Exec, t, timeout)
	case p.GRPC != nil:
		res, msg = checkGRPC(pctx, p.GRPC, t, timeout)
	default:
		return Failure, "probe has no action (httpGet, tcpSocket, exec or grpc)"
	}
	if res != Success && ctx.Err() != nil {
		return Unknown, "probe canceled"
	}
	return res, msg
}

// probeTimeout is timeoutSeconds, 1s when unset.
func probeTimeout(p *api.Probe) time.Duration {
	if p.TimeoutSeconds <= 0 {
		return time.Second
	}
	return time.Duration(p.TimeoutSeconds) * time.Second
}
