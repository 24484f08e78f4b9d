package propose

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// MaxCommand is the largest encoded command the agent commits, the one
// limit for local and forwarded writes: Propose refuses a larger command
// before it either applies it or forwards it, and the leader's
// /internal/v1/apply reads no more (ReadCommand). A write the follower
// may send is therefore one the leader accepts.
const MaxCommand = 16 << 20

// resultPerCommandByte bounds a result's size by its command's: a result
// names each object of its command with its resourceVersion (a Written),
// which takes less than three times the command's bytes for that object
// (see TestResultFitsForAnyCommand).
const resultPerCommandByte = 3

// maxWireError caps the error message a result carries.
const maxWireError = 32 << 10

// maxResult bounds a forwarded result read back from the leader. It
// follows from MaxCommand, so the answer to any command a follower may
// send fits: a committed write is never reported as failed because its
// answer was cut off.
const maxResult = resultPerCommandByte*MaxCommand + 2*maxWireError

// ErrTooLarge is returned (wrapping consensus.ErrInvalid too) for a
// command over MaxCommand bytes; nothing was written.
var ErrTooLarge = errors.New("write too large")

// checkSize refuses a command over MaxCommand bytes.
func checkSize(cmd []byte) error {
	if len(cmd) > MaxCommand {
		return fmt.Errorf("%w: %w: it encodes to %d bytes, over the limit of %d; write fewer or smaller objects at a time", consensus.ErrInvalid, ErrTooLarge, len(cmd), MaxCommand)
	}
	return nil
}

// ReadCommand reads a forwarded command, at most MaxCommand bytes: the
// leader's side of the one size limit.
func ReadCommand(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxCommand+1))
	if err != nil {
		return nil, fmt.Errorf("read command: %w", err)
	}
	if err := checkSize(b); err != nil {
		return nil, err
	}
	return b, nil
}

// WireResult carries an ApplyResult from the leader to a follower: the
// body of a successful /internal/v1/apply. It names the objects written
// and their versions, never the objects themselves.
type WireResult struct {
	Written []api.Written `json:"written,omitempty"`
	Error   string        `json:"error,omitempty"`
	Code    string        `json:"code,omitempty"`
}

const (
	codeConflict = "conflict"
	codeNotFound = "notfound"
	codeInvalid  = "invalid"
)

// ToWire encodes res for a follower.
func ToWire(res consensus.ApplyResult) WireResult {
	if res.Err == nil {
		return WireResult{Written: written(res.Objects)}
	}
	// A failed command wrote nothing: only its error goes back.
	w := WireResult{Error: res.Err.Error()}
	if len(w.Error) > maxWireError {
		w.Error = w.Error[:maxWireError] + " … (cut)"
	}
	switch {
	case errors.Is(res.Err, consensus.ErrConflict):
		w.Code = codeConflict
	case errors.Is(res.Err, consensus.ErrNotFound):
		w.Code = codeNotFound
	default:
		w.Code = codeInvalid
	}
	return w
}

// WriteResult answers a forwarded command with res, as compact JSON.
func WriteResult(w http.ResponseWriter, res consensus.ApplyResult) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if err := json.NewEncoder(w).Encode(ToWire(res)); err != nil {
		return fmt.Errorf("write result: %w", err)
	}
	return nil
}

// written names objs and their versions.
func written(objs []api.Object) []api.Written {
	if len(objs) == 0 {
		return nil
	}
	out := make([]api.Written, len(objs))
	for i, o := range objs {
		out[i] = api.WrittenOf(o)
	}
	return out
}

// Result returns the objects written and the command's own error, which
// wraps consensus.ErrConflict or ErrNotFound as it did on the leader.
func (w WireResult) Result() ([]api.Written, error) {
	switch w.Code {
	case "":
		return w.Written, nil
	case codeConflict:
		return w.Written, fmt.Errorf("%w: %s", consensus.ErrConflict, w.Error)
	case codeNotFound:
		return w.Written, fmt.Errorf("%w: %s", consensus.ErrNotFound, w.Error)
	default:
		return w.Written, errors.New(w.Error)
	}
}
