package api

// validateClaim checks a standalone PersistentVolumeClaim: what a claim
// template must hold, plus what Shoal's node-local volumes can give.
func validateClaim(e *errs, c *PersistentVolumeClaim) {
	validateClaimTemplate(e, "", c, map[string]bool{})
	for i, m := range c.Spec.AccessModes {
		if m == ReadWriteMany || m == ReadOnlyMany {
			e.add(index("spec.accessModes", i), "%s is not supported by Shoal: a local-path volume is a directory on one node, so only pods on that node can mount it (want ReadWriteOnce or ReadWriteOncePod)", m)
		}
	}
	if sc := c.Spec.StorageClassName; sc != nil && *sc == "" {
		e.add("spec.storageClassName", `"" (no class) asks for a pre-provisioned PersistentVolume, and PersistentVolumes are not supported by Shoal; leave it out for the default class %q`, StorageClassLocalPath)
	}
	if v := c.Spec.VolumeName; v != "" {
		e.check("spec.volumeName", v, dnsSubdomainError(v))
	}
}

// validateStorageClass checks a StorageClass: only what Shoal's one
// provisioner does.
func validateStorageClass(e *errs, c *StorageClass) {
	switch c.Provisioner {
	case "":
		e.add("provisioner", "required: %s", ProvisionerLocalPath)
	case ProvisionerLocalPath:
	default:
		e.add("provisioner", "%s is not supported by Shoal: its only provisioner is %s (node-local directories)", quote(c.Provisioner), ProvisionerLocalPath)
	}
	if r := c.ReclaimPolicy; r != nil && *r != ReclaimDelete {
		what := "unknown policy"
		if *r == ReclaimRetain {
			what = "is not supported by Shoal"
		}
		e.add("reclaimPolicy", "%s %s: a claim's data is deleted with the claim (want Delete)", quote(string(*r)), what)
	}
	if b := c.VolumeBindingMode; b != nil && *b != BindingWaitForFirstConsumer {
		what := "unknown mode"
		if *b == BindingImmediate {
			what = "is not supported by Shoal"
		}
		e.add("volumeBindingMode", "%s %s: a local-path volume is made on the node of the claim's first pod (want WaitForFirstConsumer)", quote(string(*b)), what)
	}
	if a := c.AllowVolumeExpansion; a != nil && *a {
		e.add("allowVolumeExpansion", "true is not supported by Shoal: local-path sizes are recorded, not enforced, so there is nothing to expand")
	}
	if v, ok := c.Annotations[AnnotationDefaultStorageClass]; ok && v != "true" && v != "false" {
		e.invalid(key("metadata.annotations", AnnotationDefaultStorageClass), v, `must be "true" or "false"`)
	}
}

// validateServiceAccountName checks a pod spec's service account names.
func validateServiceAccountName(e *errs, p string, s *PodSpec) {
	for _, f := range []struct{ name, value string }{
		{"serviceAccountName", s.ServiceAccountName},
		{"serviceAccount", s.DeprecatedServiceAccount},
	} {
		if f.value != "" {
			e.check(child(p, f.name), f.value, dnsSubdomainError(f.value))
		}
	}
	if a, b := s.ServiceAccountName, s.DeprecatedServiceAccount; a != "" && b != "" && a != b {
		e.add(child(p, "serviceAccount"), "%s differs from serviceAccountName %s (serviceAccount is its deprecated spelling)", quote(b), quote(a))
	}
}
