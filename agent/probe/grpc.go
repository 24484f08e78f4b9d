package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/shoal-dev/shoal/api"
)

// checkGRPC asks the grpc.health.v1 Health service at the pod's IP and
// the probe's port about the probe's service, over plain-text HTTP/2 as
// kubelet does, and succeeds when the answer is SERVING.
func checkGRPC(ctx context.Context, a *api.GRPCAction, t Target, timeout time.Duration) (Result, string) {
	if t.PodIP == "" {
		return Failure, "no pod IP to probe"
	}
	if a.Port < 1 || a.Port > 65535 {
		return Failure, fmt.Sprintf("port %d out of range 1-65535", a.Port)
	}
	addr := net.JoinHostPort(t.PodIP, strconv.Itoa(int(a.Port)))
	conn, err := grpc.NewClient("passthrough:///"+addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUserAgent(userAgent))
	if err != nil {
		return Failure, fmt.Sprintf("grpc client for %s: %v", addr, err)
	}
	defer func() { _ = conn.Close() }()
	service := ""
	if a.Service != nil {
		service = *a.Service
	}
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service}, grpc.WaitForReady(true))
	if err != nil {
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded:
			return Failure, fmt.Sprintf("timeout: health rpc to %s did not complete within %s", addr, timeout)
		case status.Code(err) == codes.Unimplemented:
			return Failure, fmt.Sprintf("%s does not implement the grpc health protocol (grpc.health.v1.Health)", addr)
		}
		return Failure, fmt.Sprintf("health rpc to %s: %v", addr, err)
	}
	if s := resp.GetStatus(); s != healthpb.HealthCheckResponse_SERVING {
		return Failure, fmt.Sprintf("service unhealthy (responded with %q)", s)
	}
	return Success, ""
}
