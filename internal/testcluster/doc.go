// Package testcluster runs real Shoal agents as separate processes on
// loopback, for cluster tests and benchmarks: it builds the shoal binary
// once, starts a bootstrap agent and joins others with its token, and can
// kill -9, stop, restart and query them through the real CLI and API.
package testcluster
