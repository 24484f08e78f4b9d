package client

import (
	"context"
	"net"
	"net/url"
	"strconv"

	"github.com/shoal-dev/shoal/internal/stream"
)

// PortForward carries local, one accepted TCP connection, to port of a
// pod, through whichever node runs it, until both sides have closed or
// ctx ends; it closes local. An error before any byte moved (no such pod,
// pod not running, port closed) comes from the API.
func (c *Client) PortForward(ctx context.Context, namespace, pod string, port int, local net.Conn) error {
	q := nsQuery(namespace)
	q.Set("port", strconv.Itoa(port))
	conn, br, err := c.upgrade(ctx, "/v1/pods/"+url.PathEscape(pod)+"/portforward", q, stream.PortForwardUpgrade)
	if err != nil {
		_ = local.Close()
		return err
	}
	return stream.Pipe(ctx, conn, br, local)
}
