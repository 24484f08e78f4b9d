package main

import (
	"fmt"
	"os"

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
