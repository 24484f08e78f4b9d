package api

import "strings"

// validateProjectedSources checks a volume's projected and downwardAPI
// sources and returns the names of those set, for validateVolume's
// exactly-one check.
func validateProjectedSources(e *errs, p string, v *Volume) []string {
	var sources []string
	if s := v.Projected; s != nil {
		sources = append(sources, "projected")
		pp := child(p, "projected")
		validateMode(e, child(pp, "defaultMode"), s.DefaultMode)
		paths := map[string]bool{}
		for i := range s.Sources {
			validateVolumeProjection(e, index(child(pp, "sources"), i), &s.Sources[i], paths)
		}
	}
	if s := v.DownwardAPI; s != nil {
		sources = append(sources, "downwardAPI")
		dp := child(p, "downwardAPI")
		validateMode(e, child(dp, "defaultMode"), s.DefaultMode)
		validateDownwardAPIFiles(e, child(dp, "items"), s.Items, map[string]bool{})
	}
	return sources
}

// validateVolumeProjection checks one source of a projected volume;
// paths collects the file paths of all sources, which must not collide.
func validateVolumeProjection(e *errs, p string, s *VolumeProjection, paths map[string]bool) {
	var set []string
	if c := s.ConfigMap; c != nil {
		set = append(set, "configMap")
		cp := child(p, "configMap")
		validateProjectedName(e, child(cp, "name"), c.Name)
		validateProjection(e, cp, c.Items, nil)
		notePaths(e, cp, c.Items, paths)
	}
	if c := s.Secret; c != nil {
		set = append(set, "secret")
		sp := child(p, "secret")
		validateProjectedName(e, child(sp, "name"), c.Name)
		validateProjection(e, sp, c.Items, nil)
		notePaths(e, sp, c.Items, paths)
	}
	if c := s.DownwardAPI; c != nil {
		set = append(set, "downwardAPI")
		validateDownwardAPIFiles(e, child(p, "downwardAPI.items"), c.Items, paths)
	}
	if s.ServiceAccountToken != nil {
		set = append(set, "serviceAccountToken")
		e.add(child(p, "serviceAccountToken"), "%s", serviceAccountTokenReason)
	}
	switch len(set) {
	case 0:
		e.add(p, "must have exactly one of configMap, secret or downwardAPI")
	case 1:
	default:
		e.add(p, "must have exactly one of configMap, secret or downwardAPI, got %s", strings.Join(set, " and "))
	}
}

func validateProjectedName(e *errs, p, name string) {
	if name == "" {
		e.required(p)
		return
	}
	e.check(p, name, dnsSubdomainError(name))
}

// notePaths records the items' paths, reporting one another source of the
// volume already writes.
func notePaths(e *errs, p string, items []KeyToPath, paths map[string]bool) {
	for i, it := range items {
		if it.Path == "" {
			continue
		}
		if paths[it.Path] {
			e.add(child(index(child(p, "items"), i), "path"), "duplicate path %s in the projected volume", quote(it.Path))
		}
		paths[it.Path] = true
	}
}

// downwardAPIVolumeFields are the fields a downward API file may hold.
var downwardAPIVolumeFields = map[string]bool{
	"metadata.name": true, "metadata.namespace": true, "metadata.uid": true,
	"metadata.labels": true, "metadata.annotations": true,
}

// validateDownwardAPIFiles checks the files of a downward API volume or
// projection; paths holds the paths other sources write.
func validateDownwardAPIFiles(e *errs, p string, items []DownwardAPIVolumeFile, paths map[string]bool) {
	for i, it := range items {
		ip := index(p, i)
		validateItemPath(e, child(ip, "path"), it.Path, paths)
		validateMode(e, child(ip, "mode"), it.Mode)
		if it.FieldRef == nil {
			e.add(child(ip, "fieldRef"), "required (Shoal supports fieldRef only)")
			continue
		}
		fp := it.FieldRef.FieldPath
		ok := fieldPathOK(fp, downwardAPIVolumeFields)
		switch {
		case fp == "":
			e.required(child(ip, "fieldRef.fieldPath"))
		case !ok:
			e.invalid(child(ip, "fieldRef.fieldPath"), fp, "unsupported field (want metadata.name, metadata.namespace, metadata.uid, metadata.labels, metadata.annotations, metadata.labels['KEY'] or metadata.annotations['KEY'])")
		}
	}
}
