// Package probe runs Kubernetes container probes (httpGet, tcpSocket, exec,
// grpc) and lifecycle hooks (RunHandler: exec, httpGet, sleep) and decides
// crash-loop restarts, for the node-local pod reconciler.
//
// Check runs one probe attempt. A Worker runs one probe of one container on
// its schedule and reports the thresholded result on a channel. Backoff and
// ShouldRestart are pure helpers for restarting exited containers.
//
// # Results
//
// A probe attempt is Success, Failure or Unknown. Unknown means the attempt
// could not be made (the runtime's exec call failed, or the caller's context
// ended); a Worker ignores it, as kubelet does: it neither counts towards a
// threshold nor breaks a run. A probe that can never succeed as configured
// (no action, an undeclared port name, no address) is a Failure whose message
// says why, so it shows up in the pod's events.
//
// # Worker lifecycle
//
// Until a Worker sends its first Update the caller should assume
// Kind.Initial: readiness not ready (Failure), liveness passing (Success),
// startup undetermined (Unknown). The worker waits initialDelaySeconds
// (counted from Target.StartedAt when set), then probes every periodSeconds.
// The result flips to Success after successThreshold successes in a row and
// to Failure after failureThreshold failures in a row. The first result so
// determined is always sent; after that only changes are. Timings and
// thresholds left 0 take the values api.Default would give them.
//
// A liveness worker stops after sending Failure and a startup worker stops
// after sending either result: the caller then restarts the container (and
// starts new workers for the new run) or, for a passed startup probe, starts
// the liveness and readiness workers. The package does not do that gating:
// while a startup probe has not passed, the caller must not start the
// container's liveness and readiness workers.
//
// The package does no logging and keeps no state between workers; it only
// dials the addresses and runs the commands its probes name.
package probe
