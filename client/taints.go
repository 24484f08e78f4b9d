package client

import (
	"context"
	"net/url"

	"github.com/shoal-dev/shoal/api"
)

// Taint changes a node's taints: each change is a kubectl taint argument
// (key=value:Effect to add or replace, key:Effect- or key- to remove),
// applied in order in one write.
func (c *Client) Taint(ctx context.Context, node string, changes []string) (api.AppliedObject, error) {
	return c.postWrite(ctx, "/v1/nodes/"+url.PathEscape(node)+"/taint", url.Values{"change": changes})
}
