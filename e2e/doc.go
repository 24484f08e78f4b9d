// Package e2e holds end-to-end tests that run real shoal agent processes
// on loopback and drive them through the CLI and the HTTP API.
package e2e
