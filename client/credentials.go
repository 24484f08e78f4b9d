package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/shoal-dev/shoal/api"
)

// JoinToken asks a voter (through the API) for the join token, or the
// worker join token if worker.
func (c *Client) JoinToken(ctx context.Context, worker bool) (string, error) {
	q := url.Values{}
	if worker {
		q.Set("worker", "true")
	}
	var a api.TokenAnswer
	err := c.do(ctx, http.MethodGet, "/v1/token", q, nil, &a)
	return a.Token, err
}

// RotateToken replaces a token — "join", "worker" or "admin" — and
// returns the new one.
func (c *Client) RotateToken(ctx context.Context, which string) (string, error) {
	q := url.Values{"which": {which}}
	var a api.TokenAnswer
	err := c.do(ctx, http.MethodPost, "/v1/token/rotate", q, nil, &a)
	return a.Token, err
}

// RotateCA starts a CA rotation.
func (c *Client) RotateCA(ctx context.Context) (api.CAStatus, error) {
	var st api.CAStatus
	err := c.do(ctx, http.MethodPost, "/v1/ca/rotate", nil, nil, &st)
	return st, err
}

// CAStatus reports the cluster's CAs and which issued each member's
// certificate.
func (c *Client) CAStatus(ctx context.Context) (api.CAStatus, error) {
	var st api.CAStatus
	err := c.do(ctx, http.MethodGet, "/v1/ca", nil, nil, &st)
	return st, err
}
