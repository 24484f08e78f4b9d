package api

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const claimManifest = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`

const storageClassManifest = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: fast}
provisioner: rancher.io/local-path
`

const serviceAccountManifest = `apiVersion: v1
kind: ServiceAccount
metadata: {name: builder}
`

const saPodManifest = `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: busybox}]
`

func TestDecodeStorageDefaults(t *testing.T) {
	c := decodeOne(t, claimManifest).(*PersistentVolumeClaim)
	sc := decodeOne(t, storageClassManifest).(*StorageClass)
	sa := decodeOne(t, serviceAccountManifest).(*ServiceAccount)
	pod := decodeOne(t, saPodManifest).(*Pod)
	storage := c.Spec.Resources.Requests[ResourceStorage]
	tests := []struct {
		name      string
		got, want any
	}{
		{"claim namespace", c.Namespace, "default"},
		{"claim class defaulted", *c.Spec.StorageClassName, StorageClassLocalPath},
		{"claim access modes", c.Spec.AccessModes, []PersistentVolumeAccessMode{ReadWriteOnce}},
		{"claim storage", storage.String(), "1Gi"},
		{"claim status empty", c.Status.Phase, PersistentVolumeClaimPhase("")},
		{"class reclaimPolicy", *sc.ReclaimPolicy, ReclaimDelete},
		{"class binding mode", *sc.VolumeBindingMode, BindingWaitForFirstConsumer},
		{"class cluster-scoped", sc.Namespace, ""},
		{"service account namespace", sa.Namespace, "default"},
		{"pod service account", pod.Spec.ServiceAccountOf(), DefaultServiceAccount},
		{"pod serviceAccountName not stored", pod.Spec.ServiceAccountName, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeStorageFields(t *testing.T) {
	c := decodeOne(t, `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: shop}
spec:
  accessModes: [ReadWriteOncePod]
  storageClassName: fast
  volumeName: pvc-1234
  resources: {requests: {storage: 500Mi}}
status:
  phase: Bound
`).(*PersistentVolumeClaim)
	sc := decodeOne(t, `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local-path
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: rancher.io/local-path
reclaimPolicy: Delete
volumeBindingMode: WaitForFirstConsumer
allowVolumeExpansion: false
parameters: {nodePath: /data}
`).(*StorageClass)
	sa := decodeOne(t, `apiVersion: v1
kind: ServiceAccount
metadata: {name: builder, namespace: ci}
automountServiceAccountToken: false
`).(*ServiceAccount)
	pod := decodeOne(t, `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  serviceAccountName: builder
  automountServiceAccountToken: true
  containers: [{name: c, image: busybox}]
`).(*Pod)
	old := decodeOne(t, `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  serviceAccount: legacy
  containers: [{name: c, image: busybox}]
`).(*Pod)
	tmpl := decodeOne(t, `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: c, image: busybox}]
  volumeClaimTemplates:
  - apiVersion: v1
    kind: PersistentVolumeClaim
    metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
`).(*StatefulSet)
	tests := []struct {
		name      string
		got, want any
	}{
		{"claim namespace", c.Namespace, "shop"},
		{"claim class", *c.Spec.StorageClassName, "fast"},
		{"claim volumeName", c.Spec.VolumeName, "pvc-1234"},
		{"claim RWOP", c.Spec.AccessModes, []PersistentVolumeAccessMode{ReadWriteOncePod}},
		{"claim status decoded", c.Status.Phase, ClaimBound},
		{"class default annotation", sc.Annotations[AnnotationDefaultStorageClass], "true"},
		{"class parameters kept", sc.Parameters["nodePath"], "/data"},
		{"class expansion", *sc.AllowVolumeExpansion, false},
		{"sa namespace", sa.Namespace, "ci"},
		{"sa automount", *sa.AutomountServiceAccountToken, false},
		{"pod serviceAccountName", pod.Spec.ServiceAccountOf(), "builder"},
		{"pod automount", *pod.Spec.AutomountServiceAccountToken, true},
		{"pod deprecated serviceAccount", old.Spec.ServiceAccountOf(), "legacy"},
		{"template kind accepted", tmpl.Spec.VolumeClaimTemplates[0].Kind, "PersistentVolumeClaim"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateStorage(t *testing.T) {
	tests := []struct {
		name     string
		manifest string
		old, new string // replace old by new in the manifest
		want     string // "" means valid
	}{
		{"valid claim", claimManifest, "", "", ""},
		{"valid class", storageClassManifest, "", "", ""},
		{"valid service account", serviceAccountManifest, "", "", ""},
		{"RWOP claim", claimManifest, "ReadWriteOnce", "ReadWriteOncePod", ""},
		{"RWX claim", claimManifest, "ReadWriteOnce", "ReadWriteMany", "spec.accessModes[0]: ReadWriteMany is not supported by Shoal: a local-path volume is a directory on one node"},
		{"ROX claim", claimManifest, "[ReadWriteOnce]", "[ReadWriteOnce, ReadOnlyMany]", "spec.accessModes[1]: ReadOnlyMany is not supported by Shoal"},
		{"unknown access mode", claimManifest, "ReadWriteOnce", "WriteOnly", `spec.accessModes[0]: unknown access mode "WriteOnly"`},
		{"no access modes", claimManifest, "[ReadWriteOnce]", "[]", "spec.accessModes: required"},
		{"no storage", claimManifest, "{storage: 1Gi}", "{}", "spec.resources.requests[storage]: required"},
		{"zero storage", claimManifest, "1Gi", "0", "spec.resources.requests[storage]: must be greater than 0"},
		{"empty class", claimManifest, "spec:\n", "spec:\n  storageClassName: \"\"\n", "spec.storageClassName: \"\" (no class) asks for a pre-provisioned PersistentVolume"},
		{"bad class name", claimManifest, "spec:\n", "spec:\n  storageClassName: Fast_1\n", "spec.storageClassName"},
		{"claim selector refused", claimManifest, "spec:\n", "spec:\n  selector: {matchLabels: {a: b}}\n", "spec.selector: not supported by Shoal"},
		{"claim volumeMode refused", claimManifest, "spec:\n", "spec:\n  volumeMode: Block\n", "spec.volumeMode: not supported by Shoal"},
		{"claim status conditions refused", claimManifest, "spec:\n", "status: {conditions: []}\nspec:\n", "status.conditions: not supported by Shoal"},
		{"claim limits refused", claimManifest, "{requests: {storage: 1Gi}}", "{requests: {storage: 1Gi}, limits: {storage: 2Gi}}", "spec.resources.limits: not supported by Shoal"},
		{"claim typo", claimManifest, "accessModes", "accesModes", "spec.accesModes"},
		{"other provisioner", storageClassManifest, "rancher.io/local-path", "ebs.csi.aws.com", `provisioner: "ebs.csi.aws.com" is not supported by Shoal: its only provisioner is rancher.io/local-path`},
		{"no provisioner", storageClassManifest, "provisioner: rancher.io/local-path", "parameters: {}", "provisioner: required"},
		{"Retain", storageClassManifest, "provisioner:", "reclaimPolicy: Retain\nprovisioner:", `reclaimPolicy: "Retain" is not supported by Shoal: a claim's data is deleted with the claim`},
		{"unknown reclaim", storageClassManifest, "provisioner:", "reclaimPolicy: Recycle\nprovisioner:", `reclaimPolicy: "Recycle" unknown policy`},
		{"Immediate", storageClassManifest, "provisioner:", "volumeBindingMode: Immediate\nprovisioner:", `volumeBindingMode: "Immediate" is not supported by Shoal`},
		{"expansion", storageClassManifest, "provisioner:", "allowVolumeExpansion: true\nprovisioner:", "allowVolumeExpansion: true is not supported by Shoal"},
		{"mountOptions refused", storageClassManifest, "provisioner:", "mountOptions: [ro]\nprovisioner:", "mountOptions: not supported by Shoal"},
		{"bad default annotation", storageClassManifest, "{name: fast}", "{name: fast, annotations: {storageclass.kubernetes.io/is-default-class: \"yes\"}}", `must be "true" or "false"`},
		{"sa secrets refused", serviceAccountManifest, "metadata:", "secrets: [{name: s}]\nmetadata:", "secrets: not supported by Shoal"},
		{"sa imagePullSecrets refused", serviceAccountManifest, "metadata:", "imagePullSecrets: [{name: s}]\nmetadata:", "imagePullSecrets: not supported by Shoal"},
		{"sa bad name", serviceAccountManifest, "builder", "Builder", "metadata.name"},
		{"pod serviceAccountName", saPodManifest, "spec:\n", "spec:\n  serviceAccountName: builder\n", ""},
		{"pod bad serviceAccountName", saPodManifest, "spec:\n", "spec:\n  serviceAccountName: Bad_Name\n", "spec.serviceAccountName"},
		{"pod both spellings agree", saPodManifest, "spec:\n", "spec:\n  serviceAccountName: a\n  serviceAccount: a\n", ""},
		{"pod spellings differ", saPodManifest, "spec:\n", "spec:\n  serviceAccountName: a\n  serviceAccount: b\n", `spec.serviceAccount: "b" differs from serviceAccountName "a"`},
		{"pod automount", saPodManifest, "spec:\n", "spec:\n  automountServiceAccountToken: false\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.manifest
			if tt.old != "" {
				if !strings.Contains(m, tt.old) {
					t.Fatalf("manifest has no %q", tt.old)
				}
				m = strings.Replace(m, tt.old, tt.new, 1)
			}
			_, err := Decode([]byte(m))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got error %v, want none", err)
			case tt.want != "" && err == nil:
				t.Errorf("got no error, want one containing %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestPodClaimHelpers(t *testing.T) {
	pod := &Pod{TypeMeta: TypeMeta{Kind: "Pod", APIVersion: "v1"}, ObjectMeta: ObjectMeta{Name: "db-0"}, Spec: PodSpec{Volumes: []Volume{
		{Name: "a", PersistentVolumeClaim: &PersistentVolumeClaimVolumeSource{ClaimName: "one"}},
		{Name: "b", EmptyDir: &EmptyDirVolumeSource{}},
		{Name: "c", PersistentVolumeClaim: &PersistentVolumeClaimVolumeSource{ClaimName: "one"}},
		{Name: "data", PersistentVolumeClaim: &PersistentVolumeClaimVolumeSource{ClaimName: "data-db-0"}},
	}}}
	if got, want := pod.Spec.ClaimNames(), []string{"one", "data-db-0"}; !cmp.Equal(got, want) {
		t.Errorf("ClaimNames() = %v, want %v", got, want)
	}
	sts := DeepCopy(pod)
	sts.OwnerReferences = []OwnerReference{{Kind: "StatefulSet", Name: "db"}}
	tests := []struct {
		name  string
		pod   *Pod
		claim string
		want  bool
	}{
		{"bare pod", pod, "data-db-0", false},
		{"stateful set template claim", sts, "data-db-0", true},
		{"stateful set other claim", sts, "one", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.pod.StatefulSetClaim(tt.claim); got != tt.want {
				t.Errorf("StatefulSetClaim(%q) = %t, want %t", tt.claim, got, tt.want)
			}
		})
	}
}

func TestClaimUpdateError(t *testing.T) {
	cur := decodeOne(t, claimManifest).(*PersistentVolumeClaim)
	cur.Spec.VolumeName = "pvc-1"
	tests := []struct {
		name string
		edit func(*PersistentVolumeClaim)
		want string // "" allowed
	}{
		{"same manifest", func(*PersistentVolumeClaim) {}, ""},
		{"bigger size recorded", func(c *PersistentVolumeClaim) {
			c.Spec.Resources.Requests[ResourceStorage] = MustParseQuantity("2Gi")
		}, ""},
		{"same volumeName", func(c *PersistentVolumeClaim) { c.Spec.VolumeName = "pvc-1" }, ""},
		{"access modes", func(c *PersistentVolumeClaim) {
			c.Spec.AccessModes = []PersistentVolumeAccessMode{ReadWriteOncePod}
		}, "spec.accessModes: field is immutable after the claim is created"},
		{"class", func(c *PersistentVolumeClaim) { c.Spec.StorageClassName = ptr("fast") }, "spec.storageClassName: field is immutable"},
		{"other volume", func(c *PersistentVolumeClaim) { c.Spec.VolumeName = "pvc-2" }, "spec.volumeName: the claim is bound to pvc-1, got pvc-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := decodeOne(t, claimManifest).(*PersistentVolumeClaim)
			tt.edit(next)
			err := ClaimUpdateError(next, cur)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
			if err == nil {
				KeepClaimBinding(next, cur)
				if next.Spec.VolumeName != "pvc-1" {
					t.Errorf("volumeName after KeepClaimBinding: got %q, want pvc-1", next.Spec.VolumeName)
				}
			}
		})
	}
}
