// Package endpoints computes a Service's Endpoints from the pods its
// selector matches. It is pure (it imports only api): the API, the service
// proxy, DNS and the ingress all call the same function on their own
// replica, so a pod change costs no Raft write and every agent agrees on
// what a service's endpoints are.
//
// The rules follow the Kubernetes Endpoints controller
// (pkg/controller/endpoint), with one deliberate difference for pods being
// deleted; Compute's doc comment lists them.
package endpoints
