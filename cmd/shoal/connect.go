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
	token := g.token
	if token == "" {
		t, err := agent.ReadAdminToken(g.dataDir)
		if err != nil {
			if os.IsNotExist(err) || os.IsPermission(err) {
				return nil, fmt.Errorf("no admin token: pass --token or set SHOAL_TOKEN (Raft voters keep it in their data dir, admin.token; --data-dir %s has none readable)", g.dataDir)
			}
			return nil, err
		}
		token = t
	}
	return client.New(g.serverOrDefault(), token)
}

// serverOrDefault is --server, or the local agent's API.
func (g *globals) serverOrDefault() string {
	if g.server == "" {
		return client.DefaultServer
	}
	return g.server
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
