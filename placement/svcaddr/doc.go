// Package svcaddr decides the addresses of Services: the cluster IP from
// the service CIDR, node ports from the node-port range, and where a
// LoadBalancer service is reachable (status.loadBalancer.ingress).
//
// It is pure: [Allocate] takes every Service and the Ready nodes'
// addresses and returns what must change; [Admit] checks and completes a
// Service a user applies against the stored ones. Neither does I/O, reads
// a clock, draws random numbers or keeps state between calls. There is no
// stored allocator bitmap: the Services themselves are the record of what
// is taken, so an address is free again as soon as its Service is gone.
//
// The leader runs Allocate through the placement/controller package; the
// API server runs Admit before it commits an apply. Allocate must stay
// safe when two applies race past Admit: the older Service (by
// creationTimestamp, then namespace/name) keeps a contested address and
// the newer one is given another, with a warning.
package svcaddr
