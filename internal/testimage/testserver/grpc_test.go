package main

import (
	"bytes"
	"errors"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// TestGRPCHealthAnswersGRPCClients checks the standard-library health
// server against grpc-go's own client, as kubelet's and Shoal's probes
// use it.
func TestGRPCHealthAnswersGRPCClients(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newGRPCHealthServer(l.Addr().String())
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	conn, err := grpc.NewClient("passthrough:///"+l.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	hc := healthpb.NewHealthClient(conn)
	t.Cleanup(func() { _ = os.Remove(grpcFlag) })

	for _, step := range []struct {
		name    string
		flag    bool
		service string
		want    healthpb.HealthCheckResponse_ServingStatus
	}{
		{"serving", false, "", healthpb.HealthCheckResponse_SERVING},
		{"serving, named service", false, "ready", healthpb.HealthCheckResponse_SERVING},
		{"flag set: not serving", true, "", healthpb.HealthCheckResponse_NOT_SERVING},
		{"flag removed: serving again", false, "", healthpb.HealthCheckResponse_SERVING},
	} {
		t.Run(step.name, func(t *testing.T) {
			if step.flag {
				if err := os.WriteFile(grpcFlag, nil, 0o644); err != nil {
					t.Skipf("cannot create %s: %v", grpcFlag, err)
				}
			} else if err := os.Remove(grpcFlag); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
			resp, err := hc.Check(t.Context(), &healthpb.HealthCheckRequest{Service: step.service})
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if resp.GetStatus() != step.want {
				t.Errorf("got %s, want %s", resp.GetStatus(), step.want)
			}
		})
	}
	t.Run("watch is unimplemented", func(t *testing.T) {
		stream, err := hc.Watch(t.Context(), &healthpb.HealthCheckRequest{})
		if err == nil {
			_, err = stream.Recv()
		}
		if status.Code(err) != codes.Unimplemented {
			t.Errorf("got %v, want code Unimplemented", err)
		}
	})
}

func TestMarkCommand(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name      string
		args      []string
		wantCode  int
		wantLines []string // prefixes of the file's lines
	}{
		{"mark", []string{"mark", "a", "preStop"}, 0, []string{"preStop "}},
		{"mark with a sleep", []string{"mark", "b", "preStop", "0s"}, 0, []string{"preStop ", "preStop-done "}},
		{"bad duration", []string{"mark", "c", "preStop", "soon"}, 2, nil},
		{"missing text", []string{"mark", "d"}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string(nil), tt.args...)
			if len(args) > 1 {
				args[1] = filepath.Join(dir, args[1])
			}
			var errOut bytes.Buffer
			if code := client(args, &bytes.Buffer{}, &errOut); code != tt.wantCode {
				t.Fatalf("got status %d (%s), want %d", code, errOut.String(), tt.wantCode)
			}
			if tt.wantLines == nil {
				return
			}
			b, err := os.ReadFile(args[1])
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			if len(lines) != len(tt.wantLines) {
				t.Fatalf("got lines %q, want %d", lines, len(tt.wantLines))
			}
			for i, w := range tt.wantLines {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("got line %q, want it to start with %q", lines[i], w)
				}
			}
		})
	}
}

func TestMarkEndpoint(t *testing.T) {
	file := filepath.Join(t.TempDir(), "log")
	t.Setenv("SIGTERM_FILE", file)
	tests := []struct {
		name, query string
		wantCode    int
	}{
		{"mark", "text=preStop", 200},
		{"no text", "", 400},
		{"text with a space", "text=a+b", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			handleMark(rec, httptest.NewRequest("GET", "/mark?"+tt.query, nil))
			if rec.Code != tt.wantCode {
				t.Errorf("got %d %s, want %d", rec.Code, rec.Body, tt.wantCode)
			}
		})
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "preStop ") {
		t.Errorf("got lines %q, want one preStop mark", lines)
	}
}
