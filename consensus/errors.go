package consensus

import "errors"

// Sentinel errors returned in ApplyResult.Err. Every error a command can fail
// with wraps exactly one of them, so callers can map them to API statuses.
var (
	// ErrConflict means a precondition (resourceVersion or uid) did not
	// match the stored object. The caller should re-read and retry.
	ErrConflict = errors.New("conflict")
	// ErrNotFound means the command needs an object that does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid means the command itself is malformed (no objects, unknown
	// kind, missing name, wrong namespace scope, duplicate keys, bad mode).
	ErrInvalid = errors.New("invalid command")
	// ErrOutcomeUnknown means a write reached the log but leadership was
	// lost (or the connection to the leader broke) before it was known to
	// be committed: it may or may not be applied. Retrying it blindly
	// could apply it twice, so it is reported, not retried (etcd's
	// clients do the same for writes that are not idempotent).
	ErrOutcomeUnknown = errors.New("the write's outcome is unknown: it may or may not have been committed (read the object back before retrying)")
)
