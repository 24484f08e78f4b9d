// Package runtime is everything Shoal's agent needs from containerd: it
// connects to containerd (or starts and supervises an embedded one),
// imports and pulls images, creates, starts, stops and removes
// containers, runs exec sessions, reports container state and exits, and
// rotates and reads the log files containerd writes.
//
// It owns one containerd namespace and the containers in it. It knows
// nothing about pods, the cluster or the network: callers pass a network
// namespace path (from agent/runtime/cni) and ready-made mounts.
package runtime
