// Package netsvc owns how traffic reaches pods and services across nodes:
// for now, routes between nodes' pod networks, unreachable routes for the
// cluster ranges, and masquerade for pods reaching outside the cluster.
package netsvc
