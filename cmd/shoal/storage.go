package main

import (
	"strings"

	"github.com/shoal-dev/shoal/api"
)

// Tables of the storage and service account kinds (issue 12), with
// kubectl's columns.

// claimColumns are kubectl's PersistentVolumeClaim columns after NAME and
// STATUS: VOLUME CAPACITY ACCESS MODES STORAGECLASS (AGE follows).
func claimColumns() []column {
	claim := func(o api.Object) *api.PersistentVolumeClaim { return o.(*api.PersistentVolumeClaim) }
	return []column{
		{header: "VOLUME", cell: func(o api.Object) string {
			if c := claim(o); c.Status.Phase == api.ClaimBound {
				return c.Spec.VolumeName
			}
			return ""
		}},
		{header: "CAPACITY", cell: func(o api.Object) string {
			if q, ok := claim(o).Status.Capacity[api.ResourceStorage]; ok {
				return q.String()
			}
			return ""
		}},
		{header: "ACCESS MODES", cell: func(o api.Object) string { return accessModesShort(claim(o).Status.AccessModes) }},
		{header: "STORAGECLASS", cell: func(o api.Object) string {
			if sc := claim(o).Spec.StorageClassName; sc != nil {
				return *sc
			}
			return ""
		}},
		{header: "NODE", wide: true, cell: func(o api.Object) string { return orNone(claim(o).ClaimNode()) }},
	}
}

// claimStatus is kubectl's STATUS of a claim: Terminating once deleted,
// else its phase (Pending before the leader has looked at it).
func claimStatus(c *api.PersistentVolumeClaim) string {
	switch {
	case c.DeletionTimestamp != nil:
		return "Terminating"
	case c.Status.Phase == "":
		return string(api.ClaimPending)
	}
	return string(c.Status.Phase)
}

// accessModesShort abbreviates access modes as kubectl does: RWO, ROX,
// RWX, RWOP, comma-joined.
func accessModesShort(modes []api.PersistentVolumeAccessMode) string {
	short := map[api.PersistentVolumeAccessMode]string{
		api.ReadWriteOnce: "RWO", api.ReadOnlyMany: "ROX", api.ReadWriteMany: "RWX", api.ReadWriteOncePod: "RWOP",
	}
	out := make([]string, 0, len(modes))
	for _, m := range modes {
		if s, ok := short[m]; ok {
			out = append(out, s)
		} else {
			out = append(out, string(m))
		}
	}
	return strings.Join(out, ",")
}

// storageClassColumns are kubectl's StorageClass columns after NAME:
// PROVISIONER RECLAIMPOLICY VOLUMEBINDINGMODE ALLOWVOLUMEEXPANSION.
func storageClassColumns() []column {
	class := func(o api.Object) *api.StorageClass { return o.(*api.StorageClass) }
	return []column{
		{header: "PROVISIONER", cell: func(o api.Object) string { return class(o).Provisioner }},
		{header: "RECLAIMPOLICY", cell: func(o api.Object) string {
			if r := class(o).ReclaimPolicy; r != nil {
				return string(*r)
			}
			return string(api.ReclaimDelete)
		}},
		{header: "VOLUMEBINDINGMODE", cell: func(o api.Object) string {
			if b := class(o).VolumeBindingMode; b != nil {
				return string(*b)
			}
			return string(api.BindingWaitForFirstConsumer)
		}},
		{header: "ALLOWVOLUMEEXPANSION", cell: func(o api.Object) string {
			a := class(o).AllowVolumeExpansion
			if a != nil && *a {
				return "true"
			}
			return "false"
		}},
	}
}

// serviceAccountColumns are kubectl's ServiceAccount columns after NAME:
// SECRETS, always 0 (Shoal makes no token secrets).
func serviceAccountColumns() []column {
	return []column{{header: "SECRETS", cell: func(api.Object) string { return "0" }}}
}

// displayName is an object's NAME cell: a default StorageClass is marked
// "(default)", as kubectl marks it.
func displayName(o api.Object) string {
	m := o.GetObjectMeta()
	if _, ok := o.(*api.StorageClass); ok && m.Annotations[api.AnnotationDefaultStorageClass] == "true" {
		return m.Name + " (default)"
	}
	return m.Name
}
