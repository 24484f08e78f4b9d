package propose

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// WireResult carries an ApplyResult from the leader to a follower: the
// body of a successful /internal/v1/apply.
type WireResult struct {
	Objects []json.RawMessage `json:"objects,omitempty"`
	Error   string            `json:"error,omitempty"`
	Code    string            `json:"code,omitempty"`
}

const (
	codeConflict = "conflict"
	codeNotFound = "notfound"
	codeInvalid  = "invalid"
)

// ToWire encodes res for a follower.
func ToWire(res consensus.ApplyResult) (WireResult, error) {
	var w WireResult
	for _, o := range res.Objects {
		b, err := json.Marshal(o)
		if err != nil {
			return w, fmt.Errorf("encode %s: %w", api.KeyOf(o), err)
		}
		w.Objects = append(w.Objects, b)
	}
	if res.Err != nil {
		w.Error = res.Err.Error()
		switch {
		case errors.Is(res.Err, consensus.ErrConflict):
			w.Code = codeConflict
		case errors.Is(res.Err, consensus.ErrNotFound):
			w.Code = codeNotFound
		default:
			w.Code = codeInvalid
		}
	}
	return w, nil
}

// Result decodes the ApplyResult w carries; the command's own error
// wraps consensus.ErrConflict or ErrNotFound as it did on the leader.
func (w WireResult) Result() (consensus.ApplyResult, error) {
	var res consensus.ApplyResult
	for _, raw := range w.Objects {
		obj, err := api.DecodeObject(raw, api.DecodeOptions{Stored: true})
		if err != nil {
			return res, fmt.Errorf("forwarded result: %w", err)
		}
		res.Objects = append(res.Objects, obj)
	}
	switch w.Code {
	case "":
	case codeConflict:
		res.Err = fmt.Errorf("%w: %s", consensus.ErrConflict, w.Error)
	case codeNotFound:
		res.Err = fmt.Errorf("%w: %s", consensus.ErrNotFound, w.Error)
	default:
		res.Err = errors.New(w.Error)
	}
	return res, nil
}
