package probe

import "github.com/shoal-dev/shoal/api"

// ShouldRestart applies a pod's restartPolicy to a container that exited
// with exitCode: Always (or empty, the default) restarts it, OnFailure
// restarts it unless it exited 0, Never and unknown policies do not.
func ShouldRestart(policy api.RestartPolicy, exitCode int32) bool {
	switch policy {
	case api.RestartAlways, "":
		return true
	case api.RestartOnFailure:
		return exitCode != 0
	}
	return false
}
