// Package client is the Go client of the Shoal HTTP API, used by the CLI
// and by tests. It pins the cluster CA through the token's hash and
// authenticates with the token as a bearer credential. It also defines the
// wire types of the API's non-object answers (apply reports, status,
// watch events), which the agent serves.
package client
