// Package e2e holds end-to-end tests that run real shoal agent processes
// on loopback and drive them through the CLI and the HTTP API.
//
// Tests run one at a time, except a few that spend most of their time
// waiting (for a cron minute, certificates to expire, a snapshot) and call
// t.Parallel: they run after the others, two at a time (-parallel defaults
// to GOMAXPROCS), each with its own cluster (its own loopback ports or
// network namespaces and subnet), so nothing they measure depends on
// another test. Timing-sensitive tests (ingress under load, failover)
// stay sequential.
package e2e
