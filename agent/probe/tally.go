package probe

// tally turns probe attempts into a thresholded result, the way kubelet's
// probe worker does.
type tally struct {
	successThreshold int32
	failureThreshold int32

	// last is the result of the latest counted attempt and run how many
	// attempts in a row had it.
	last Result
	run  int32
	// current is the thresholded result, valid once determined.
	current    Result
	determined bool
}

// newTally counts towards the given thresholds; unset ones (0) take the
// API defaults, 1 success and 3 failures.
func newTally(successThreshold, failureThreshold int32) tally {
	if successThreshold <= 0 {
		successThreshold = 1
	}
	if failureThreshold <= 0 {
		failureThreshold = 3
	}
	return tally{successThreshold: successThreshold, failureThreshold: failureThreshold}
}

// observe counts one attempt and reports whether the thresholded result
// is determined for the first time or changed. Unknown attempts are not
// counted and do not break a run.
func (t *tally) observe(r Result) (Result, bool) {
	if r != Success && r != Failure {
		return t.current, false
	}
	if r == t.last {
		t.run++
	} else {
		t.last, t.run = r, 1
	}
	need := t.failureThreshold
	if r == Success {
		need = t.successThreshold
	}
	if t.run < need || (t.determined && t.current == r) {
		return t.current, false
	}
	t.current, t.determined = r, true
	return r, true
}
