package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The shape check walks a decoded JSON tree alongside the Go type it will be
// decoded into, and reports every unknown field, wrong type and bad value
// (quantity, port, time, base64) with its full path, e.g.
// `unknown field "spec.template.spec.containers[0].imagee"`. encoding/json
// stops at the first problem and names only the last key; this names the
// whole path and keeps going. Field names match case-sensitively, as in
// Kubernetes (encoding/json would accept "Image" for "image").

var (
	timeType        = reflect.TypeFor[time.Time]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// structFields maps the JSON names of a struct's fields (including those
// promoted from inline embedded structs) to their types.
type structFields struct {
	// types maps each JSON field name to the field's type.
	types map[string]reflect.Type
	// names are the field names, sorted, for "did you mean" suggestions.
	names []string
}

var fieldCache sync.Map // reflect.Type -> *structFields

func fieldsOf(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	f := &structFields{types: map[string]reflect.Type{}}
	addFields(f, t)
	for n := range f.types {
		f.names = append(f.names, n)
	}
	sort.Strings(f.names)
	fieldCache.Store(t, f)
	return f
}

func addFields(f *structFields, t reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				addFields(f, ft)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if _, dup := f.types[name]; !dup {
			f.types[name] = sf.Type
		}
	}
}

// shapeErrs collects the shape check's problems, and the paths they concern
// so validation can leave those paths alone.
type shapeErrs struct {
	errs
	// shadows are the paths of fields the check found bad or dropped, and
	// of the fields suggested for typos: validation errors about them would
	// only repeat what the shape check said.
	shadows []string
}

// checkShape reports every way v does not fit t, with paths below path.
// It removes unknown fields, and values of the wrong type, from the tree,
// so what is left still decodes and validates and all problems of an object
// come out at once. It returns true if v itself is unusable and the caller
// should remove it.
func checkShape(e *shapeErrs, v any, t reflect.Type, path string) (drop bool) {
	if v == nil {
		return false // null leaves the field unset, as in encoding/json
	}
	n := len(e.list)
	defer func() {
		if drop || len(e.list) > n && !isContainer(t) {
			drop = true
			e.shadows = append(e.shadows, path)
		}
	}()
	if t == timeType {
		var tm time.Time
		s, ok := v.(string)
		if !ok {
			e.add(path, "got %s, want a time string like \"2025-01-02T15:04:05Z\"", describe(v))
		} else if err := tm.UnmarshalJSON([]byte(strconv.Quote(s))); err != nil {
			e.add(path, "invalid time %s: want RFC 3339, like \"2025-01-02T15:04:05Z\"", quote(s))
		}
		return false
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		b, err := json.Marshal(v)
		if err == nil {
			err = reflect.New(t).Interface().(json.Unmarshaler).UnmarshalJSON(b)
		}
		if err != nil {
			e.add(path, "%s", err)
		}
		return false
	}
	switch t.Kind() {
	case reflect.Pointer:
		return checkShape(e, v, t.Elem(), path)
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			e.add(path, "got %s, want an object", describe(v))
			return true
		}
		fields := fieldsOf(t)
		for _, k := range sortedKeys(m) {
			ft, ok := fields.types[k]
			if !ok {
				unknownField(e, t, path, k, fields.names)
				delete(m, k)
				continue
			}
			if checkShape(e, m[k], ft, child(path, k)) {
				delete(m, k)
			}
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			e.add(path, "got %s, want an object", describe(v))
			return true
		}
		for _, k := range sortedKeys(m) {
			if checkShape(e, m[k], t.Elem(), key(path, k)) {
				delete(m, k)
			}
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			s, ok := v.(string)
			if !ok {
				e.add(path, "got %s, want a base64 string", describe(v))
			} else if _, err := base64.StdEncoding.DecodeString(s); err != nil {
				e.add(path, "invalid base64 (plain text goes in stringData): %v", err)
			}
			return false
		}
		l, ok := v.([]any)
		if !ok {
			e.add(path, "got %s, want a list", describe(v))
			return true
		}
		for i, item := range l {
			if checkShape(e, item, t.Elem(), index(path, i)) {
				l[i] = nil
			}
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			hint := ""
			switch v.(type) {
			case bool, json.Number:
				hint = " (put quotes around it)"
			}
			e.add(path, "got %s, want a string%s", describe(v), hint)
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			e.add(path, "got %s, want true or false", describe(v))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			e.add(path, "got %s, want an integer", describe(v))
			return false
		}
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			if isRangeError(err) {
				e.add(path, "%s is out of range for a %d-bit integer", n, t.Bits())
			} else {
				e.add(path, "got %s, want an integer", describe(v))
			}
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(json.Number)
		if !ok {
			e.add(path, "got %s, want an integer", describe(v))
			return false
		}
		if _, err := strconv.ParseUint(string(n), 10, t.Bits()); err != nil {
			e.add(path, "got %s, want an integer from 0 to %d", describe(v), uint64(1)<<t.Bits()-1)
		}
	case reflect.Float32, reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			e.add(path, "got %s, want a number", describe(v))
			return false
		}
		if _, err := strconv.ParseFloat(string(n), t.Bits()); err != nil {
			e.add(path, "%s is out of range", n)
		}
	case reflect.Interface:
	default:
		e.add(path, "cannot decode into %s", t)
	}
	return false
}

// isContainer reports whether t holds other fields (a struct, map or list,
// or a pointer to one): a problem inside it does not make it unusable.
func isContainer(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType || reflect.PointerTo(t).Implements(unmarshalerType) {
		return false
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return true
	case reflect.Slice:
		return t.Elem().Kind() != reflect.Uint8
	}
	return false
}

// unknownField reports field k of the struct type t that Shoal does not
// have: a real Kubernetes field Shoal does not support, or a typo, with the
// closest field (supported or not) as a suggestion.
func unknownField(e *shapeErrs, t reflect.Type, path, k string, names []string) {
	p := child(path, k)
	e.shadows = append(e.shadows, p)
	if isUnsupportedField(t.Name(), k) {
		e.add(p, "not supported by Shoal (a Kubernetes %s field)", t.Name())
		return
	}
	msg := fmt.Sprintf("unknown field %q", p)
	if s := suggest(k, append(append([]string(nil), names...), unsupportedFieldsOf(t.Name())...)); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
		e.shadows = append(e.shadows, child(path, s))
	}
	e.list = append(e.list, &FieldError{Detail: msg})
}

func isRangeError(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// describe names a JSON value's type (and the value, if short) for messages.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "string " + quote(v)
	case json.Number:
		return "number " + truncate(string(v), 40)
	case bool:
		return fmt.Sprintf("boolean %t", v)
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}

// suggest returns the field name closest to k, if one is close enough to
// be a likely typo.
func suggest(k string, names []string) string {
	best, bestDist := "", 3
	if len(k) > 64 {
		return ""
	}
	for _, n := range names {
		if strings.EqualFold(n, k) {
			return n
		}
		if d := editDistance(k, n); d < bestDist && d < len(n)/2+1 {
			best, bestDist = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
