package probe

import (
	"net"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/shoal-dev/shoal/api"
)

// newGRPCServer serves gRPC on loopback, with the standard health service
// when withHealth is set, and returns its port and health server.
func newGRPCServer(t *testing.T, withHealth bool) (int32, *health.Server) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	if withHealth {
		healthpb.RegisterHealthServer(srv, hs)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return int32(l.Addr().(*net.TCPAddr).Port), hs
}

func TestCheckGRPC(t *testing.T) {
	port, hs := newGRPCServer(t, true)
	hs.SetServingStatus("ready", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus("draining", healthpb.HealthCheckResponse_NOT_SERVING)
	bare, _ := newGRPCServer(t, false)
	closed := closedPort(t)
	svc := func(s string) *string { return &s }
	tests := []struct {
		name    string
		action  api.GRPCAction
		want    Result
		wantMsg string
	}{
		{"server as a whole", api.GRPCAction{Port: port}, Success, ""},
		{"serving service", api.GRPCAction{Port: port, Service: svc("ready")}, Success, ""},
		{"not serving service", api.GRPCAction{Port: port, Service: svc("draining")}, Failure, `service unhealthy (responded with "NOT_SERVING")`},
		{"unknown service", api.GRPCAction{Port: port, Service: svc("nope")}, Failure, "NotFound"},
		{"no health service", api.GRPCAction{Port: bare}, Failure, "does not implement the grpc health protocol"},
		{"nothing listens", api.GRPCAction{Port: closed}, Failure, "timeout: health rpc"},
		{"port out of range", api.GRPCAction{Port: 0}, Failure, "port 0 out of range 1-65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.action
			got, msg := Check(t.Context(), &api.Probe{GRPC: &a}, Target{PodIP: "127.0.0.1"})
			if got != tt.want || !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("got %s %q, want %s containing %q", got, msg, tt.want, tt.wantMsg)
			}
		})
	}
}

func TestCheckGRPCFollowsTheServer(t *testing.T) {
	port, hs := newGRPCServer(t, true)
	p := &api.Probe{GRPC: &api.GRPCAction{Port: port}}
	target := Target{PodIP: "127.0.0.1"}
	for _, step := range []struct {
		status healthpb.HealthCheckResponse_ServingStatus
		want   Result
	}{
		{healthpb.HealthCheckResponse_NOT_SERVING, Failure},
		{healthpb.HealthCheckResponse_SERVING, Success},
		{healthpb.HealthCheckResponse_NOT_SERVING, Failure},
	} {
		hs.SetServingStatus("", step.status)
		if got, msg := Check(t.Context(), p, target); got != step.want {
			t.Errorf("server %s: got %s (%s), want %s", step.status, got, msg, step.want)
		}
	}
}
