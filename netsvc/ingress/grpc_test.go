package ingress

import (
	"context"
	"net"
	"net/netip"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	"google.golang.org/grpc/health/grpc_health_v1"
)

// TestGRPC makes real gRPC calls (the standard health service) through
// the proxy: HTTP/2 with prior knowledge from the client, h2c to the
// backend, trailers carrying the status.
func TestGRPC(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	hs.SetServingStatus("shop", grpc_health_v1.HealthCheckResponse_SERVING)
	grpc_health_v1.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)

	be := backendFor("grpc", netip.MustParseAddrPort(ln.Addr().String()))
	be.AppProtocol = "kubernetes.io/h2c"
	tp := startProxy(t, Config{}, anyHost(be))
	conn, err := grpc.NewClient(tp.url[len("http://"):], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	c := grpc_health_v1.NewHealthClient(conn)
	for _, tc := range []struct {
		service string
		want    grpc_health_v1.HealthCheckResponse_ServingStatus
		wantErr bool
	}{
		{"shop", grpc_health_v1.HealthCheckResponse_SERVING, false},
		{"", grpc_health_v1.HealthCheckResponse_SERVING, false},
		{"unknown", 0, true}, // NotFound, carried in the trailers
	} {
		t.Run("service "+tc.service, func(t *testing.T) {
			resp, err := c.Check(context.Background(), &grpc_health_v1.HealthCheckRequest{Service: tc.service})
			if tc.wantErr {
				if err == nil {
					t.Errorf("got %v, want an error", resp.GetStatus())
				}
				return
			}
			if err != nil || resp.GetStatus() != tc.want {
				t.Errorf("got %v, %v, want %v", resp.GetStatus(), err, tc.want)
			}
		})
	}
}
