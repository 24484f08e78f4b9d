package api

import (
	"errors"
	"fmt"
	"slices"
)

// ClaimUpdateError returns why applying claim next over the stored claim
// cur is refused, or nil. As in Kubernetes, a claim's spec is fixed once
// created, except its requested size (recorded, not enforced) and its
// volumeName, which the cluster sets: a manifest without volumeName keeps
// the stored one (KeepClaimBinding), one naming another volume is refused.
func ClaimUpdateError(next, cur *PersistentVolumeClaim) error {
	var errs []error
	immutable := func(field string) {
		errs = append(errs, fmt.Errorf("spec.%s: field is immutable after the claim is created (delete the claim, which deletes its data, and apply it again)", field))
	}
	if !slices.Equal(next.Spec.AccessModes, cur.Spec.AccessModes) {
		immutable("accessModes")
	}
	if a, b := next.Spec.StorageClassName, cur.Spec.StorageClassName; (a == nil) != (b == nil) || a != nil && *a != *b {
		immutable("storageClassName")
	}
	if v := next.Spec.VolumeName; v != "" && cur.Spec.VolumeName != "" && v != cur.Spec.VolumeName {
		errs = append(errs, fmt.Errorf("spec.volumeName: the claim is bound to %s, got %s", cur.Spec.VolumeName, v))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("PersistentVolumeClaim %q: %w", next.Name, errors.Join(errs...))
}

// KeepClaimBinding gives next, applied over the stored claim cur, cur's
// volumeName when next names none, as kubectl apply's merge keeps a field
// the manifest leaves out.
func KeepClaimBinding(next, cur *PersistentVolumeClaim) {
	if next.Spec.VolumeName == "" {
		next.Spec.VolumeName = cur.Spec.VolumeName
	}
}
