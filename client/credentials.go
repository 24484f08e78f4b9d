package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/shoal-dev/shoal/api"
)

// JoinToken asks a voter (through the API) for the join token.
func (c *Client) JoinToken(ctx context.Context) (string, error) {
	var a api.TokenAnswer
	err := c.do(ctx, http.MethodGet, "/v1/token", nil, nil, &a)
	return a.Token, err
}

// RotateToken replaces the join token, or the admin token if admin, and
// returns the new one.
func (c *Client) RotateToken(ctx context.Context, admin bool) (string, error) {
	q := url.Values{}
	if admin {
		q.Set("admin", "true")
	}
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
