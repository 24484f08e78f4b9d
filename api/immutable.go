package api

import (
	"errors"
	"fmt"
)

// ImmutableUpdateError returns why in may not replace stored, a ConfigMap
// or Secret whose immutable field is true: as in Kubernetes, its data
// (and a Secret's type) and immutable itself are fixed; labels and
// annotations may change. It returns nil for other kinds, for objects
// that are not immutable, and for changes that are allowed. Both are
// expected defaulted (a Secret's stringData folded into data).
func ImmutableUpdateError(in, stored Object) error {
	var changed []string
	switch s := stored.(type) {
	case *ConfigMap:
		n, ok := in.(*ConfigMap)
		if !ok || !IsOptional(s.Immutable) {
			return nil
		}
		if !SameJSON(n.Data, s.Data) {
			changed = append(changed, "data")
		}
		if !SameJSON(n.BinaryData, s.BinaryData) {
			changed = append(changed, "binaryData")
		}
		if !IsOptional(n.Immutable) {
			changed = append(changed, "immutable")
		}
	case *Secret:
		n, ok := in.(*Secret)
		if !ok || !IsOptional(s.Immutable) {
			return nil
		}
		if n.Type != s.Type {
			changed = append(changed, "type")
		}
		if !SameJSON(n.Data, s.Data) {
			changed = append(changed, "data")
		}
		if !IsOptional(n.Immutable) {
			changed = append(changed, "immutable")
		}
	default:
		return nil
	}
	if len(changed) == 0 {
		return nil
	}
	var errs []error
	for _, f := range changed {
		errs = append(errs, &FieldError{Field: f, Detail: "field is immutable when `immutable` is set (delete the object and apply it again)"})
	}
	return fmt.Errorf("%s %s: %w", KeyOf(stored).Kind, quote(stored.GetObjectMeta().Name), errors.Join(errs...))
}
