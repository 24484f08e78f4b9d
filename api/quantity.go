package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Format is how a Quantity is written back out.
type Format string

const (
	// DecimalSI uses the suffixes m, k, M, G, T, P ("250m", "1k").
	DecimalSI Format = "DecimalSI"
	// BinarySI uses the suffixes Ki, Mi, Gi, Ti, Pi ("64Mi").
	BinarySI Format = "BinarySI"
	// DecimalExponent uses an exponent that is a multiple of 3 ("1e3").
	DecimalExponent Format = "DecimalExponent"
)

// Quantity is an exact resource amount such as "250m" CPU or "64Mi" of
// memory, held as an int64 count of thousandths of a unit (milli-units;
// bytes for memory and storage). It accepts the Kubernetes quantity syntax:
//
//	quantity ::= [+-] number suffix
//	number   ::= digits | digits "." digits | digits "." | "." digits
//	suffix   ::= "" | "m" | "k" | "M" | "G" | "T" | "P" | "E"
//	           | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei"
//	           | ("e" | "E") [+-] digits
//
// A value must be a whole number of milli-units and lie within ±(2^63-1)
// milli-units (about 9.2 P, or 8 PiB). In JSON a Quantity is a string in
// canonical form; a JSON number is accepted on input. The zero value is 0.
type Quantity struct {
	// milli is the amount in thousandths of a unit.
	milli int64
	// format is how String writes it; always canonical (see canonical).
	format Format
}

// maxQuantityLen bounds the text ParseQuantity will look at.
const maxQuantityLen = 64

var decimalSuffixes = map[string]int{"": 0, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}

var binarySuffixes = map[string]uint{"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}

// ParseQuantity parses s, e.g. "250m", "0.5", "64Mi", "1G" or "1e3".
func ParseQuantity(s string) (Quantity, error) {
	milli, format, err := parseQuantity(s)
	if err != nil {
		return Quantity{}, fmt.Errorf("invalid quantity %q: %s", truncate(s, maxQuantityLen), err)
	}
	return Quantity{milli: milli, format: format}.canonical(), nil
}

// MustParseQuantity is ParseQuantity for constants in code and tests; it
// panics on a bad quantity.
func MustParseQuantity(s string) Quantity {
	q, err := ParseQuantity(s)
	if err != nil {
		panic(err)
	}
	return q
}

func parseQuantity(s string) (int64, Format, error) {
	if s == "" {
		return 0, "", fmt.Errorf("empty")
	}
	if len(s) > maxQuantityLen {
		return 0, "", fmt.Errorf("longer than %d characters", maxQuantityLen)
	}
	rest := s
	neg := false
	if rest[0] == '+' || rest[0] == '-' {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	intPart, rest := leadingDigits(rest)
	var fracPart string
	if strings.HasPrefix(rest, ".") {
		fracPart, rest = leadingDigits(rest[1:])
	}
	if intPart == "" && fracPart == "" {
		return 0, "", fmt.Errorf("want a number, e.g. 250m, 0.5, 64Mi or 1G")
	}
	suffix := rest
	format := DecimalSI
	pow10, pow2 := 0, uint(0)
	if e, ok := decimalSuffixes[suffix]; ok {
		pow10 = e
	} else if e, ok := binarySuffixes[suffix]; ok {
		pow2, format = e, BinarySI
	} else if (suffix[0] == 'e' || suffix[0] == 'E') && isSignedDigits(suffix[1:]) {
		exp, err := strconv.Atoi(suffix[1:])
		if err != nil || exp > 100 || exp < -100 {
			return 0, "", fmt.Errorf("exponent out of range")
		}
		pow10, format = exp, DecimalExponent
	} else {
		return 0, "", fmt.Errorf("unknown suffix %q (want one of m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent like e3)", suffix)
	}

	// milli = digits * 10^(pow10+3-len(frac)) * 2^pow2, computed exactly.
	num, ok := new(big.Int).SetString(intPart+fracPart, 10)
	if !ok {
		return 0, "", fmt.Errorf("want a number")
	}
	num.Lsh(num, pow2)
	den := big.NewInt(1)
	ten := big.NewInt(10)
	if e := pow10 + 3 - len(fracPart); e >= 0 {
		num.Mul(num, new(big.Int).Exp(ten, big.NewInt(int64(e)), nil))
	} else {
		den.Exp(ten, big.NewInt(int64(-e)), nil)
	}
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if r.Sign() != 0 {
		return 0, "", fmt.Errorf("more precise than 1m (one thousandth)")
	}
	if !q.IsInt64() || q.Int64() == math.MinInt64 {
		return 0, "", fmt.Errorf("out of range")
	}
	milli := q.Int64()
	if neg {
		milli = -milli
	}
	return milli, format, nil
}

func leadingDigits(s string) (digits, rest string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}

func isSignedDigits(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	d, rest := leadingDigits(s)
	return d != "" && rest == ""
}

// NewMilliQuantity returns the quantity of milli thousandths of a unit.
func NewMilliQuantity(milli int64, format Format) Quantity {
	if milli == math.MinInt64 {
		milli = -math.MaxInt64
	}
	return Quantity{milli: milli, format: format}.canonical()
}

// NewQuantity returns the quantity of value whole units (saturating at the
// range limit).
func NewQuantity(value int64, format Format) Quantity {
	return NewMilliQuantity(mulSat(value, 1000), format)
}

// canonical picks the format the value is written in, so that parsing
// q.String() gives back q exactly.
func (q Quantity) canonical() Quantity {
	switch q.format {
	case BinarySI:
		v := q.milli / 1000
		if q.milli%1000 != 0 || v%1024 != 0 || v == 0 {
			q.format = DecimalSI
		}
	case DecimalExponent:
		if !strings.ContainsAny(q.String(), "e") {
			q.format = DecimalSI
		}
	default:
		q.format = DecimalSI
	}
	return q
}

// MilliValue returns the quantity in thousandths of a unit (millicores for
// CPU).
func (q Quantity) MilliValue() int64 { return q.milli }

// Value returns the quantity in whole units (bytes, cores), rounded up.
func (q Quantity) Value() int64 {
	v := q.milli / 1000
	if q.milli%1000 > 0 {
		v++
	}
	return v
}

// Format returns the format String uses.
func (q Quantity) Format() Format {
	if q.format == "" {
		return DecimalSI
	}
	return q.format
}

// IsZero reports whether q is 0.
func (q Quantity) IsZero() bool { return q.milli == 0 }

// Sign returns -1, 0 or +1.
func (q Quantity) Sign() int {
	switch {
	case q.milli < 0:
		return -1
	case q.milli > 0:
		return 1
	}
	return 0
}

// Cmp returns -1, 0 or +1 as q is less than, equal to or greater than o.
func (q Quantity) Cmp(o Quantity) int {
	switch {
	case q.milli < o.milli:
		return -1
	case q.milli > o.milli:
		return 1
	}
	return 0
}

// Equal reports whether q and o are the same amount, whatever their format.
func (q Quantity) Equal(o Quantity) bool { return q.milli == o.milli }

// Add returns q+o in q's format, saturating at the range limits.
func (q Quantity) Add(o Quantity) Quantity {
	return NewMilliQuantity(addSat(q.milli, o.milli), q.Format())
}

// Sub returns q-o in q's format, saturating at the range limits.
func (q Quantity) Sub(o Quantity) Quantity {
	return NewMilliQuantity(addSat(q.milli, -o.milli), q.Format())
}

// String writes q in canonical form: "250m", "2", "1k", "64Mi", "1e3".
func (q Quantity) String() string {
	m := q.milli
	switch q.format {
	case BinarySI:
		if m%1000 == 0 && m != 0 {
			v, i := m/1000, 0
			for v%1024 == 0 && i < 6 {
				v /= 1024
				i++
			}
			if i > 0 {
				return strconv.FormatInt(v, 10) + []string{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}[i]
			}
		}
	case DecimalExponent:
		if m == 0 {
			return "0"
		}
		exp := -3
		for m%1000 == 0 {
			m /= 1000
			exp += 3
		}
		if exp == 0 {
			return strconv.FormatInt(m, 10)
		}
		return strconv.FormatInt(m, 10) + "e" + strconv.Itoa(exp)
	}
	if m%1000 != 0 {
		return strconv.FormatInt(m, 10) + "m"
	}
	v, i := m/1000, 0
	for v%1000 == 0 && v != 0 && i < 6 {
		v /= 1000
		i++
	}
	return strconv.FormatInt(v, 10) + []string{"", "k", "M", "G", "T", "P", "E"}[i]
}

// MarshalJSON writes q as a JSON string in canonical form.
func (q Quantity) MarshalJSON() ([]byte, error) {
	return json.Marshal(q.String())
}

// UnmarshalJSON accepts a JSON string ("250m") or number (0.25).
func (q *Quantity) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		return nil
	}
	s := string(data)
	if len(data) > 0 && data[0] == '"' {
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
	}
	v, err := ParseQuantity(s)
	if err != nil {
		return err
	}
	*q = v
	return nil
}

func addSat(a, b int64) int64 {
	c := a + b
	switch {
	case a > 0 && b > 0 && c < 0:
		return math.MaxInt64
	case a < 0 && b < 0 && c >= 0:
		return -math.MaxInt64
	case c == math.MinInt64:
		return -math.MaxInt64
	}
	return c
}

func mulSat(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	c := a * b
	if c/b != a || c == math.MinInt64 {
		if (a < 0) != (b < 0) {
			return -math.MaxInt64
		}
		return math.MaxInt64
	}
	return c
}

// ResourceList maps resource names ("cpu", "memory", "ephemeral-storage",
// "pods", "storage") to amounts.
type ResourceList map[string]Quantity

// Resource names Shoal knows.
const (
	// ResourceCPU is CPU in cores ("500m" is half a core).
	ResourceCPU = "cpu"
	// ResourceMemory is memory in bytes.
	ResourceMemory = "memory"
	// ResourceEphemeralStorage is local scratch disk in bytes.
	ResourceEphemeralStorage = "ephemeral-storage"
	// ResourcePods is how many pods a node can hold.
	ResourcePods = "pods"
	// ResourceStorage is the size of a persistent volume claim in bytes.
	ResourceStorage = "storage"
)

// Get returns the amount of the named resource, or 0 if absent.
func (r ResourceList) Get(name string) Quantity { return r[name] }
