package api

import (
	"fmt"
	"strconv"
	"strings"
)

// FieldError is one problem with one field of an object, e.g.
// "spec.template.spec.containers[0].image: required".
type FieldError struct {
	// Field is the path of the field in manifest terms, e.g.
	// "spec.ports[1].nodePort" or "metadata.labels[app]".
	Field string
	// Detail says what is wrong, e.g. "required" or
	// `invalid value "Web": must be a DNS label ...`.
	Detail string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Detail
	}
	return e.Field + ": " + e.Detail
}

// ErrorList is every problem Validate found. It unwraps to its FieldErrors,
// so errors.As(err, new(*FieldError)) finds the first.
type ErrorList []*FieldError

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap returns the individual FieldErrors.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// orNil returns l as an error, or nil if it is empty.
func (l ErrorList) orNil() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// errs collects FieldErrors while validating.
type errs struct {
	// list holds the errors found so far, in order.
	list ErrorList
}

func (e *errs) add(field, format string, args ...any) {
	e.list = append(e.list, &FieldError{Field: field, Detail: fmt.Sprintf(format, args...)})
}

func (e *errs) required(field string) { e.add(field, "required") }

// invalid reports a bad string value and why (msg from a *Error checker).
func (e *errs) invalid(field, value, msg string) {
	e.add(field, "invalid value %s: %s", quote(value), msg)
}

// check reports value at field if msg (from a *Error checker) is not "".
func (e *errs) check(field, value, msg string) {
	if msg != "" {
		e.invalid(field, value, msg)
	}
}

// child returns the path of a field below path.
func child(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// index returns the path of element i of the list at path.
func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// key returns the path of entry k of the map at path.
func key(path, k string) string { return path + "[" + k + "]" }
