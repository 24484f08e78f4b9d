// Package pki owns the cluster's trust: the cluster CA, node certificates,
// the join token (SHOAL-1-<CA hash>-<secret>) and the TLS configurations
// that agents and clients use. It does file I/O only in the functions that
// say so (Load*/Save*) and never talks to the network.
package pki
