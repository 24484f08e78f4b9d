// Package api owns Shoal's object model: the Kubernetes-shaped kinds users
// apply (Deployment, StatefulSet, DaemonSet, Service, Ingress, ConfigMap,
// Secret, Namespace) and the ones the cluster writes (Node, Pod), with their
// defaults, validation and strict YAML/JSON decoding.
//
// api imports nothing else from Shoal and does no I/O. Types carry only the
// fields Shoal supports: a manifest that uses any other field is rejected by
// the decoder, never silently ignored.
package api
