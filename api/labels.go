package api

import (
	"errors"
	"fmt"
	"sort"
)

// ValidateLabels checks label keys and values as Kubernetes does (for
// flags such as `shoal agent --labels`), naming each bad one.
func ValidateLabels(labels map[string]string) error {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		if msg := qualifiedNameError(k); msg != "" {
			errs = append(errs, fmt.Errorf("label key %q: %s", k, msg))
		}
		if msg := labelValueError(labels[k]); msg != "" {
			errs = append(errs, fmt.Errorf("label %q value %q: %s", k, labels[k], msg))
		}
	}
	return errors.Join(errs...)
}
