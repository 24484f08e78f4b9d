package consensus

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// uidFor returns the uid of the object created at position pos of the
// command at Raft index, proposed at t. It is a hash of the three, formatted
// as a UUID version 4, so every replica computes the same one without
// randomness, and clusters that reuse an index still differ by time.
func uidFor(index uint64, pos int, t time.Time) string {
	var b [24]byte
	binary.BigEndian.PutUint64(b[0:], index)
	binary.BigEndian.PutUint64(b[8:], uint64(pos))
	binary.BigEndian.PutUint64(b[16:], uint64(t.UnixNano()))
	h := sha256.Sum256(b[:])
	u := h[:16]
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

var statusKinds sync.Map // kind name → bool

// hasStatus reports whether the Go type of kind has a top-level "status"
// JSON field.
func hasStatus(kind string) bool {
	if v, ok := statusKinds.Load(kind); ok {
		return v.(bool)
	}
	obj, err := api.New(kind)
	if err != nil {
		return false
	}
	found := false
	t := reflect.TypeOf(obj)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct {
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name == "status" {
				found = true
				break
			}
		}
	}
	statusKinds.Store(kind, found)
	return found
}

// withStatusOf returns a new object equal to obj but with the status of from,
// or with no status if from is nil. It works on JSON, so it needs to know
// nothing about the kind.
func withStatusOf(obj, from api.Object) (api.Object, error) {
	fields, err := jsonFields(obj)
	if err != nil {
		return nil, err
	}
	delete(fields, "status")
	if from != nil {
		ff, err := jsonFields(from)
		if err != nil {
			return nil, err
		}
		if st, ok := ff["status"]; ok {
			fields["status"] = st
		}
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return nil, err
	}
	out, err := api.New(obj.GetTypeMeta().Kind)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return nil, fmt.Errorf("set status: %w", err)
	}
	return out, nil
}

func jsonFields(obj api.Object) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}
