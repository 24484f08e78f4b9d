package probe

import (
	"context"
	"net"

	"github.com/shoal-dev/shoal/api"
)

// checkTCP succeeds when a TCP connection to the pod's IP opens.
func checkTCP(ctx context.Context, a *api.TCPSocketAction, t Target) (Result, string) {
	addr, err := address("", a.Port, t)
	if err != nil {
		return Failure, err.Error()
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return Failure, err.Error()
	}
	// The connection opened; an error closing it says nothing about the
	// container's health.
	_ = conn.Close()
	return Success, ""
}
