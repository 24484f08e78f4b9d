package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// Snapshot fetches the leader's export of the whole cluster state (GET
// /v1/snapshot, through any agent). The answer holds Secrets and the
// hashes of the cluster's tokens: keep it as secret as the admin token.
// The bytes are as the leader wrote them; consensus.ReadExport checks them.
func (c *Client) Snapshot(ctx context.Context) ([]byte, error) {
	res, err := c.send(ctx, http.MethodGet, "/v1/snapshot", nil, nil)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, decodeAnswer(res, nil)
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("GET /v1/snapshot: read answer: %w", err)
	}
	return b, nil
}
