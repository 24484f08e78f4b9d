package probe

import "testing"

func TestKindInitial(t *testing.T) {
	for kind, want := range map[Kind]Result{Liveness: Success, Readiness: Failure, Startup: Unknown} {
		if got := kind.Initial(); got != want {
			t.Errorf("%s: got %v, want %v", kind, got, want)
		}
	}
}

func TestResultString(t *testing.T) {
	for r, want := range map[Result]string{Unknown: "unknown", Success: "success", Failure: "failure", Result(7): "unknown"} {
		if got := r.String(); got != want {
			t.Errorf("Result(%d): got %q, want %q", int(r), got, want)
		}
	}
}
