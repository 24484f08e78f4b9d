package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/shoal-dev/shoal/api"
)

func TestStorageTables(t *testing.T) {
	class := api.StorageClassLocalPath
	claim := func(name string, edit func(*api.PersistentVolumeClaim)) api.Object {
		c := &api.PersistentVolumeClaim{
			TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
			ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name},
			Spec:       api.PersistentVolumeClaimSpec{StorageClassName: &class, AccessModes: []api.PersistentVolumeAccessMode{api.ReadWriteOnce}},
		}
		if edit != nil {
			edit(c)
		}
		return c
	}
	bound := func(c *api.PersistentVolumeClaim) {
		c.Annotations = map[string]string{api.AnnotationVolumeNode: "n1"}
		c.Spec.VolumeName = "pvc-1234"
		c.Status = api.PersistentVolumeClaimStatus{Phase: api.ClaimBound, AccessModes: []api.PersistentVolumeAccessMode{api.ReadWriteOnce, api.ReadWriteOncePod},
			Capacity: api.ResourceList{api.ResourceStorage: api.MustParseQuantity("1Gi")}}
	}
	deleting := func(c *api.PersistentVolumeClaim) {
		bound(c)
		c.DeletionTimestamp = &time.Time{}
	}
	fast := &api.StorageClass{TypeMeta: api.TypeMeta{APIVersion: "storage.k8s.io/v1", Kind: "StorageClass"}, ObjectMeta: api.ObjectMeta{Name: "fast"}, Provisioner: api.ProvisionerLocalPath}
	sa := api.DefaultServiceAccountIn("default")
	tests := []struct {
		name string
		kind string
		objs []api.Object
		wide bool
		want string
	}{
		{"claims", "pvc", []api.Object{claim("data", bound), claim("new", nil), claim("old", deleting)}, false,
			"NAME   STATUS        VOLUME     CAPACITY   ACCESS MODES   STORAGECLASS   AGE\n" +
				"data   Bound         pvc-1234   1Gi        RWO,RWOP       local-path     <unknown>\n" +
				"new    Pending                                            local-path     <unknown>\n" +
				"old    Terminating   pvc-1234   1Gi        RWO,RWOP       local-path     <unknown>\n"},
		{"claims wide", "persistentvolumeclaims", []api.Object{claim("data", bound), claim("new", nil)}, true,
			"NAME   STATUS    VOLUME     CAPACITY   ACCESS MODES   STORAGECLASS   NODE     AGE\n" +
				"data   Bound     pvc-1234   1Gi        RWO,RWOP       local-path     n1       <unknown>\n" +
				"new    Pending                                        local-path     <none>   <unknown>\n"},
		{"storage classes", "sc", []api.Object{fast, api.DefaultStorageClass()}, false,
			"NAME                   PROVISIONER             RECLAIMPOLICY   VOLUMEBINDINGMODE      ALLOWVOLUMEEXPANSION   AGE\n" +
				"fast                   rancher.io/local-path   Delete          WaitForFirstConsumer   false                  <unknown>\n" +
				"local-path (default)   rancher.io/local-path   Delete          WaitForFirstConsumer   false                  <unknown>\n"},
		{"service accounts", "sa", []api.Object{sa}, false,
			"NAME      SECRETS   AGE\n" +
				"default   0         <unknown>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, ok := api.LookupKind(tt.kind)
			if !ok {
				t.Fatalf("kind %q unknown", tt.kind)
			}
			var b bytes.Buffer
			if err := printTable(&b, kind, tt.objs, tt.wide, false); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("table mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDescribeClaim(t *testing.T) {
	class := api.StorageClassLocalPath
	c := &api.PersistentVolumeClaim{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "data", Annotations: map[string]string{api.AnnotationVolumeNode: "n1"}},
		Spec:       api.PersistentVolumeClaimSpec{StorageClassName: &class, VolumeName: "pvc-1", AccessModes: []api.PersistentVolumeAccessMode{api.ReadWriteOnce}},
		Status: api.PersistentVolumeClaimStatus{Phase: api.ClaimBound, AccessModes: []api.PersistentVolumeAccessMode{api.ReadWriteOnce},
			Capacity: api.ResourceList{api.ResourceStorage: api.MustParseQuantity("1Gi")}},
	}
	user := func(name, ns, claim string, phase api.PodPhase) *api.Pod {
		return &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: ns}, Status: api.PodStatus{Phase: phase},
			Spec: api.PodSpec{Volumes: []api.Volume{{Name: "v", PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}}}
	}
	pods := []*api.Pod{
		user("a", "default", "data", api.PodRunning),
		user("b", "default", "data", api.PodPending),
		user("done", "default", "data", api.PodSucceeded),
		user("other", "default", "logs", api.PodRunning),
		user("elsewhere", "shop", "data", api.PodRunning),
	}
	var b bytes.Buffer
	describeClaim(&b, c, pods)
	want := "Name:          data\n" +
		"Namespace:     default\n" +
		"StorageClass:  local-path\n" +
		"Status:        Bound\n" +
		"Volume:        pvc-1\n" +
		"Node:          n1\n" +
		"Labels:        <none>\n" +
		"Annotations:   shoal.dev/volume-node=n1\n" +
		"Capacity:      1Gi\n" +
		"Access Modes:  RWO\n" +
		"VolumeMode:    Filesystem\n" +
		"Used By:       a\n" +
		"               b\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("describe mismatch (-want +got):\n%s", diff)
	}
}
