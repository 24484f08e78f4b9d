package api

import (
	"strings"
	"testing"
)

func TestDecodeProjectedVolumes(t *testing.T) {
	doc := `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: busybox, volumeMounts: [{name: all, mountPath: /all}, {name: meta, mountPath: /meta}]}]
  volumes:
  - name: all
    projected:
      defaultMode: 0440
      sources:
      - configMap: {name: cfg, items: [{key: a, path: conf/a}], optional: true}
      - secret: {name: sec, items: [{key: pw, path: pw, mode: 0400}]}
      - downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
  - name: meta
    downwardAPI:
      items:
      - {path: name, fieldRef: {fieldPath: metadata.name}}
      - {path: tier, fieldRef: {fieldPath: "metadata.labels['tier']"}, mode: 0444}
`
	objs, err := Decode([]byte(doc))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	vols := objs[0].(*Pod).Spec.Volumes
	pr := vols[0].Projected
	if pr == nil || *pr.DefaultMode != 0o440 || len(pr.Sources) != 3 || pr.Sources[0].ConfigMap.Name != "cfg" || !*pr.Sources[0].ConfigMap.Optional ||
		pr.Sources[1].Secret.Items[0].Path != "pw" || *pr.Sources[1].Secret.Items[0].Mode != 0o400 ||
		pr.Sources[2].DownwardAPI.Items[0].FieldRef.FieldPath != "metadata.labels" {
		t.Errorf("projected: got %+v, want it as written", pr)
	}
	d := vols[1].DownwardAPI
	if d == nil || len(d.Items) != 2 || d.Items[1].FieldRef.FieldPath != "metadata.labels['tier']" || *d.Items[1].Mode != 0o444 {
		t.Errorf("downwardAPI: got %+v, want it as written", d)
	}
}

func TestDecodeProjectedUnsupported(t *testing.T) {
	tests := []struct{ name, volume, want string }{
		{"serviceAccountToken", "projected: {sources: [{serviceAccountToken: {path: token, expirationSeconds: 3600}}]}",
			"spec.volumes[0].projected.sources[0].serviceAccountToken: not supported by Shoal: Shoal issues no service account tokens"},
		{"clusterTrustBundle", "projected: {sources: [{clusterTrustBundle: {path: ca.pem}}]}",
			"spec.volumes[0].projected.sources[0].clusterTrustBundle: not supported by Shoal"},
		{"resourceFieldRef", "downwardAPI: {items: [{path: cpu, resourceFieldRef: {resource: limits.cpu}}]}",
			"spec.volumes[0].downwardAPI.items[0].resourceFieldRef: not supported by Shoal"},
		{"typo", "projected: {source: []}", `unknown field "spec.volumes[0].projected.source" (did you mean "sources"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: busybox}]\n  volumes:\n  - name: v\n    " + tt.volume + "\n"
			_, err := Decode([]byte(doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestValidateProjectedVolumes(t *testing.T) {
	field := func(path, fp string) DownwardAPIVolumeFile {
		return DownwardAPIVolumeFile{Path: path, FieldRef: &ObjectFieldSelector{FieldPath: fp}}
	}
	projected := func(srcs ...VolumeProjection) Volume {
		return Volume{Name: "v", Projected: &ProjectedVolumeSource{Sources: srcs}}
	}
	const p = "spec.volumes[0]"
	tests := []struct {
		name string
		vol  Volume
		want string // "" means valid
	}{
		{"valid projected", projected(
			VolumeProjection{ConfigMap: &ConfigMapProjection{Name: "cfg"}},
			VolumeProjection{Secret: &SecretProjection{Name: "sec", Items: []KeyToPath{{Key: "pw", Path: "pw"}}}},
			VolumeProjection{DownwardAPI: &DownwardAPIProjection{Items: []DownwardAPIVolumeFile{field("labels", "metadata.labels")}}},
		), ""},
		{"valid downwardAPI", Volume{Name: "v", DownwardAPI: &DownwardAPIVolumeSource{Items: []DownwardAPIVolumeFile{
			field("a", "metadata.name"), field("b", "metadata.namespace"), field("c", "metadata.uid"), field("d", "metadata.annotations"),
			field("e", "metadata.labels['app.kubernetes.io/name']"),
		}}}, ""},
		{"source without kind", projected(VolumeProjection{}), p + ".projected.sources[0]: must have exactly one of configMap, secret or downwardAPI"},
		{"source with two kinds", projected(VolumeProjection{ConfigMap: &ConfigMapProjection{Name: "a"}, Secret: &SecretProjection{Name: "b"}}),
			p + ".projected.sources[0]: must have exactly one of configMap, secret or downwardAPI, got configMap and secret"},
		{"configMap without name", projected(VolumeProjection{ConfigMap: &ConfigMapProjection{}}), p + ".projected.sources[0].configMap.name: required"},
		{"secret bad name", projected(VolumeProjection{Secret: &SecretProjection{Name: "Bad"}}), p + `.projected.sources[0].secret.name: invalid value "Bad"`},
		{"item leaves the volume", projected(VolumeProjection{Secret: &SecretProjection{Name: "s", Items: []KeyToPath{{Key: "k", Path: "../x"}}}}),
			p + `.projected.sources[0].secret.items[0].path: invalid value "../x"`},
		{"paths collide across sources", projected(
			VolumeProjection{ConfigMap: &ConfigMapProjection{Name: "a", Items: []KeyToPath{{Key: "k", Path: "same"}}}},
			VolumeProjection{DownwardAPI: &DownwardAPIProjection{Items: []DownwardAPIVolumeFile{field("same", "metadata.name")}}},
		), p + `.projected.sources[1].downwardAPI.items[0].path: duplicate path "same"`},
		{"defaultMode", Volume{Name: "v", Projected: &ProjectedVolumeSource{DefaultMode: ptr(int32(0o1000))}}, p + ".projected.defaultMode: must be a file mode"},
		{"serviceAccountToken", projected(VolumeProjection{ServiceAccountToken: &ServiceAccountTokenProjection{Path: "t"}}),
			p + ".projected.sources[0].serviceAccountToken: not supported by Shoal: Shoal issues no service account tokens"},
		{"downwardAPI field unsupported", Volume{Name: "v", DownwardAPI: &DownwardAPIVolumeSource{Items: []DownwardAPIVolumeFile{field("ip", "status.podIP")}}},
			p + `.downwardAPI.items[0].fieldRef.fieldPath: invalid value "status.podIP": unsupported field`},
		{"downwardAPI without fieldRef", Volume{Name: "v", DownwardAPI: &DownwardAPIVolumeSource{Items: []DownwardAPIVolumeFile{{Path: "x"}}}},
			p + ".downwardAPI.items[0].fieldRef: required (Shoal supports fieldRef only)"},
		{"downwardAPI without path", Volume{Name: "v", DownwardAPI: &DownwardAPIVolumeSource{Items: []DownwardAPIVolumeFile{field("", "metadata.name")}}},
			p + ".downwardAPI.items[0].path: required"},
		{"projected and secret", Volume{Name: "v", Secret: &SecretVolumeSource{SecretName: "s"}, Projected: &ProjectedVolumeSource{}},
			p + ": must have exactly one of emptyDir, hostPath, configMap, secret, persistentVolumeClaim, projected or downwardAPI, got secret and projected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := with(validPod, func(pod *Pod) {
				pod.Spec.Volumes = []Volume{tt.vol}
				pod.Spec.Containers[0].VolumeMounts = []VolumeMount{{Name: "v", MountPath: "/v"}}
			})
			Default(obj)
			err := Validate(obj)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want valid", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
