package consensus

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// CommandType is the first byte of every Raft log entry Shoal writes. The
// rest of the entry is the JSON payload of that command.
type CommandType uint8

// Command types. Values are part of the on-disk log format: never renumber
// or reuse one.
const (
	// CmdPut creates or updates objects; the payload is a Put.
	CmdPut CommandType = 1
	// CmdDelete deletes objects; the payload is a Delete.
	CmdDelete CommandType = 2
)

func (t CommandType) String() string {
	switch t {
	case CmdPut:
		return "put"
	case CmdDelete:
		return "delete"
	}
	return fmt.Sprintf("CommandType(%d)", uint8(t))
}

// Command is a decoded log entry: Put or Delete.
type Command interface {
	// Type returns the command's type byte.
	Type() CommandType
}

// PutMode says which parts of an object a Put takes from its input.
type PutMode string

const (
	// ModeApply is a user apply: labels, annotations, ownerReferences and
	// spec (everything except metadata and status) come from the input; the
	// stored status and the cluster-set metadata (uid, creationTimestamp,
	// deletionTimestamp) are kept. A new object starts with no status.
	ModeApply PutMode = "apply"
	// ModeStatus replaces only the status of an existing object; everything
	// else is kept. It fails with ErrNotFound if the object does not exist
	// and with ErrInvalid for kinds that have no status.
	ModeStatus PutMode = "status"
	// ModeReplace stores the object as given (status and
	// deletionTimestamp included); uid and creationTimestamp are still kept
	// from the stored object, or stamped on create.
	ModeReplace PutMode = "replace"
)

// Put creates or updates Objects atomically: either every object is written
// or, if any fails its checks, none is.
//
// An object whose metadata.resourceVersion is non-empty is a precondition:
// the stored object must have that resourceVersion, or must not exist when it
// is "0"; otherwise the whole command fails with ErrConflict. A non-empty
// metadata.uid on an update must equal the stored uid (ErrConflict too); on
// create it is ignored. Other cluster-set fields in the input (uid,
// creationTimestamp, generation, resourceVersion) are overwritten.
type Put struct {
	// Objects are written in order; their kinds must be registered in api
	// and their keys must be distinct.
	Objects []api.Object
	// Mode selects which parts of each object are taken from the input.
	Mode PutMode
	// Time is the proposer's clock when it proposed the command. It becomes
	// creationTimestamp of created objects (UTC, whole seconds), so that
	// Apply never reads a clock. It must not be zero.
	Time time.Time
}

// Type implements Command.
func (Put) Type() CommandType { return CmdPut }

// Delete deletes objects atomically: if any key is missing or fails its
// precondition, nothing is deleted.
type Delete struct {
	// Keys name the objects to delete; they must be distinct.
	Keys []api.Key `json:"keys"`
	// Preconditions are optional, at most one per key in Keys.
	Preconditions []Precondition `json:"preconditions,omitempty"`
	// Grace, if set, deletes the pods among Keys gracefully; objects of
	// other kinds are removed as usual. Without it every object is removed
	// at once (a forced delete, or a node removing a pod it has stopped).
	Grace *Grace `json:"grace,omitempty"`
}

// Grace makes the deletion of pods graceful, as in Kubernetes. A pod that
// may still run (bound to a node and neither Succeeded nor Failed) is not
// removed but marked Terminating: metadata.deletionTimestamp becomes Time
// plus the grace period, the moment by which it is due to be gone, and
// metadata.deletionGracePeriodSeconds the grace period. Its node stops it
// and then removes it with a plain Delete guarded by uid. An unbound or
// finished pod, and any pod when the grace period is 0, is removed at once.
// Marking a pod that is already Terminating never moves its deadline
// later; a shorter grace period may move it earlier (both fields change).
type Grace struct {
	// Time is the proposer's clock when it proposed the delete, so that
	// Apply never reads a clock. It must not be zero.
	Time time.Time `json:"time"`
	// Seconds, if set, overrides each pod's
	// spec.terminationGracePeriodSeconds (whose default is 30). It must not
	// be negative; 0 removes the pods at once.
	Seconds *int64 `json:"seconds,omitempty"`
	// Force lists keys among Keys removed at once whatever their state:
	// pods whose node is lost, which no agent would stop and confirm.
	Force []api.Key `json:"force,omitempty"`
}

// Type implements Command.
func (Delete) Type() CommandType { return CmdDelete }

// Precondition guards the deletion of one object.
type Precondition struct {
	Key api.Key `json:"key"`
	// ResourceVersion, if set, must equal the stored object's.
	ResourceVersion string `json:"resourceVersion,omitempty"`
	// UID, if set, must equal the stored object's, so a delete never hits
	// an object recreated under the same name.
	UID string `json:"uid,omitempty"`
}

// wireObject is how an object travels in commands and snapshots: the kind
// next to the raw object; api.DecodeObject picks the Go type by it.
type wireObject struct {
	Kind   string          `json:"kind"`
	Object json.RawMessage `json:"object"`
}

type putWire struct {
	Objects []wireObject `json:"objects"`
	Mode    PutMode      `json:"mode"`
	Time    time.Time    `json:"time"`
}

// EncodePut returns the log entry for p. It fails only if an object has an
// unregistered kind or cannot be marshalled; everything else is checked when
// the command is applied.
func EncodePut(p Put) ([]byte, error) {
	w := putWire{Objects: make([]wireObject, len(p.Objects)), Mode: p.Mode, Time: p.Time}
	for i, obj := range p.Objects {
		wo, err := toWire(obj)
		if err != nil {
			return nil, fmt.Errorf("encode put: object %d: %w", i, err)
		}
		w.Objects[i] = wo
	}
	return encode(CmdPut, w)
}

// EncodeDelete returns the log entry for d.
func EncodeDelete(d Delete) ([]byte, error) {
	return encode(CmdDelete, d)
}

// EncodeCommand returns the log entry for c, a Put or a Delete: the one
// encoder a proposer needs.
func EncodeCommand(c Command) ([]byte, error) {
	switch c := c.(type) {
	case Put:
		return EncodePut(c)
	case Delete:
		return EncodeDelete(c)
	}
	return nil, fmt.Errorf("encode command: %T is not a command", c)
}

func encode(t CommandType, payload any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte(byte(t))
	if err := json.NewEncoder(&buf).Encode(payload); err != nil {
		return nil, fmt.Errorf("encode %s: %w", t, err)
	}
	return buf.Bytes(), nil
}

// DecodeCommand decodes a log entry written by EncodePut or EncodeDelete.
// Decoding is strict: unknown command types, kinds or fields are errors,
// because a replica that silently dropped a field would diverge.
func DecodeCommand(b []byte) (Command, error) {
	if len(b) == 0 {
		return nil, errors.New("decode command: empty entry")
	}
	t, payload := CommandType(b[0]), b[1:]
	switch t {
	case CmdPut:
		var w putWire
		if err := strictUnmarshal(payload, &w); err != nil {
			return nil, fmt.Errorf("decode put: %w", err)
		}
		p := Put{Objects: make([]api.Object, len(w.Objects)), Mode: w.Mode, Time: w.Time}
		for i, wo := range w.Objects {
			obj, err := fromWire(wo)
			if err != nil {
				return nil, fmt.Errorf("decode put: object %d: %w", i, err)
			}
			p.Objects[i] = obj
		}
		return p, nil
	case CmdDelete:
		var d Delete
		if err := strictUnmarshal(payload, &d); err != nil {
			return nil, fmt.Errorf("decode delete: %w", err)
		}
		return d, nil
	}
	return nil, fmt.Errorf("decode command: unknown command type %d", uint8(t))
}

func toWire(obj api.Object) (wireObject, error) {
	if obj == nil {
		return wireObject{}, errors.New("nil object")
	}
	k, err := api.KindOf(obj)
	if err != nil {
		return wireObject{}, err
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		return wireObject{}, fmt.Errorf("marshal %s: %w", k.Name, err)
	}
	return wireObject{Kind: k.Name, Object: raw}, nil
}

func fromWire(wo wireObject) (api.Object, error) {
	return api.DecodeObject(wo.Object, api.DecodeOptions{Kind: wo.Kind, Stored: true})
}

// strictUnmarshal decodes exactly one JSON value into v, rejecting unknown
// fields and trailing data.
func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after JSON value")
	}
	return nil
}
