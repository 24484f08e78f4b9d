package agent

// runtimeName is what a node gossips as its container runtime.
func runtimeName(runtime string) string {
	if runtime == RuntimeNone {
		return ""
	}
	return runtime
}
