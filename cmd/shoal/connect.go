package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-dev/shoal/agent"
	"github.com/shoal-dev/shoal/client"
)

// connect builds an API client from --server/--token, falling back to the
// local agent's token file.
func (g *globals) connect() (*client.Client, error) {
	server := g.server
	if server == "" {
		server = client.DefaultServer
	}
	token := g.token
	if token == "" {
		t, err := agent.ReadToken(g.dataDir)
		if err != nil {
			if os.IsNotExist(err) || os.IsPermission(err) {
				return nil, fmt.Errorf("no token: pass --token or set SHOAL_TOKEN (on a node, `shoal token` prints it; --data-dir %s has none readable)", g.dataDir)
			}
			return nil, err
		}
		token = t
	}
	return client.New(server, token)
}

// call connects to the API and runs fn with a context bounded by timeout.
func (g *globals) call(cmd *cobra.Command, timeout time.Duration, fn func(context.Context, *client.Client) error) error {
	c, err := g.connect()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
	defer cancel()
	return fn(ctx, c)
}
