package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// IntOrStringType says which half of an IntOrString holds the value.
type IntOrStringType int

const (
	// TypeInt means IntVal holds the value.
	TypeInt IntOrStringType = iota
	// TypeString means StrVal holds the value.
	TypeString
)

// IntOrString holds either an integer or a string, as Kubernetes writes ports
// ("8080" or "http") and rollout limits (1 or "25%"). In JSON it is a bare
// number or a string.
type IntOrString struct {
	// Type says whether IntVal or StrVal is meaningful.
	Type IntOrStringType
	// IntVal is the value when Type is TypeInt.
	IntVal int32
	// StrVal is the value when Type is TypeString.
	StrVal string
}

// FromInt32 returns an IntOrString holding the integer v.
func FromInt32(v int32) IntOrString { return IntOrString{Type: TypeInt, IntVal: v} }

// FromString returns an IntOrString holding the string s.
func FromString(s string) IntOrString { return IntOrString{Type: TypeString, StrVal: s} }

// String returns the value as written: "8080", "http" or "25%".
func (v IntOrString) String() string {
	if v.Type == TypeString {
		return v.StrVal
	}
	return strconv.Itoa(int(v.IntVal))
}

// IsZero reports whether v is the integer 0 (the zero value).
func (v IntOrString) IsZero() bool { return v.Type == TypeInt && v.IntVal == 0 }

// MarshalJSON writes a number or a string.
func (v IntOrString) MarshalJSON() ([]byte, error) {
	if v.Type == TypeString {
		return json.Marshal(v.StrVal)
	}
	return json.Marshal(v.IntVal)
}

// UnmarshalJSON accepts an integer that fits in int32 or a string.
func (v *IntOrString) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		return nil
	}
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*v = FromString(s)
		return nil
	}
	n, err := strconv.ParseInt(string(data), 10, 32)
	if err != nil {
		return fmt.Errorf("got %s, want a 32-bit integer or a string", truncate(string(data), 40))
	}
	*v = FromInt32(int32(n))
	return nil
}

// Percent returns the percentage when v is a string like "25%".
func (v IntOrString) Percent() (int, bool) {
	if v.Type != TypeString || !strings.HasSuffix(v.StrVal, "%") {
		return 0, false
	}
	digits := strings.TrimSuffix(v.StrVal, "%")
	if digits == "" || strings.TrimLeft(digits, "0123456789") != "" || len(digits) > 9 {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return 0, false
	}
	return n, true
}

// ScaledValue resolves v against total: an integer is returned as is, a
// percentage is that share of total, rounded up or down. Any other string is
// an error. It is how maxSurge and maxUnavailable become pod counts.
func (v IntOrString) ScaledValue(total int, roundUp bool) (int, error) {
	if v.Type == TypeInt {
		return int(v.IntVal), nil
	}
	p, ok := v.Percent()
	if !ok {
		return 0, fmt.Errorf("invalid value %q: want an integer or a percentage", v.StrVal)
	}
	n := int64(p) * int64(total)
	if roundUp && n > 0 {
		n += 99
	}
	return int(n / 100), nil
}

// truncate shortens s for error messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
