package apiserver

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

const testClaimYAML = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`

// listNames lists a resource through the API as "namespace/name".
func listNames(t *testing.T, c *apiClient, target string) []string {
	t.Helper()
	code, body := c.do("GET", target, "")
	if code != 200 {
		t.Fatalf("GET %s: %d %s", target, code, body)
	}
	var l struct {
		Items []struct {
			Metadata api.ObjectMeta `json:"metadata"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &l); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range l.Items {
		out = append(out, it.Metadata.Namespace+"/"+it.Metadata.Name)
	}
	return out
}

// TestClaimDeleteIsDeferred checks that deleting a claim marks it
// (Terminating) instead of removing it, and that a second delete changes
// nothing.
func TestClaimDeleteIsDeferred(t *testing.T) {
	st, c := testServer(t)
	if code, body := c.do("POST", "/v1/apply", testClaimYAML); code != 200 {
		t.Fatalf("apply: %d %s", code, body)
	}
	if code, body := c.do("DELETE", "/v1/persistentvolumeclaims/data", ""); code != 200 {
		t.Fatalf("delete: got %d %s, want 200", code, body)
	}
	o, ok := st.Get("PersistentVolumeClaim", "default", "data")
	if !ok {
		t.Fatal("claim removed at once, want it kept until its data is removed")
	}
	first := o.GetObjectMeta()
	if first.DeletionTimestamp == nil {
		t.Fatal("claim has no deletionTimestamp after delete")
	}
	if code, body := c.do("POST", "/v1/delete", testClaimYAML); code != 200 {
		t.Fatalf("delete again: got %d %s, want 200", code, body)
	}
	o, _ = st.Get("PersistentVolumeClaim", "default", "data")
	if got, want := o.GetObjectMeta().ResourceVersion, first.ResourceVersion; got != want {
		t.Errorf("second delete wrote the claim: resourceVersion %s, want %s", got, want)
	}
}

// TestBuiltinObjects checks that the local-path StorageClass and each
// namespace's "default" ServiceAccount are listed and got without being
// applied, and give way to stored ones.
func TestBuiltinObjects(t *testing.T) {
	_, c := testServer(t)
	if code, body := c.do("POST", "/v1/apply", "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: builder, namespace: shop}\n"); code != 200 {
		t.Fatalf("apply: %d %s", code, body)
	}
	tests := []struct {
		name, target string
		want         []string
	}{
		{"storage classes", "/v1/storageclasses", []string{"/local-path"}},
		{"service accounts of default", "/v1/serviceaccounts?namespace=default", []string{"default/default"}},
		{"service accounts of shop", "/v1/serviceaccounts?namespace=shop", []string{"shop/builder", "shop/default"}},
		{"all service accounts", "/v1/serviceaccounts", []string{"default/default", "shop/builder", "shop/default"}},
		{"selector excludes built-ins", "/v1/serviceaccounts?selector=a%3Db", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := listNames(t, c, tt.target)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	getClass := func() *api.StorageClass {
		t.Helper()
		code, body := c.do("GET", "/v1/storageclasses/local-path", "")
		if code != 200 {
			t.Fatalf("get local-path: got %d %s, want 200", code, body)
		}
		var sc api.StorageClass
		if err := json.Unmarshal(body, &sc); err != nil {
			t.Fatal(err)
		}
		return &sc
	}
	if sc := getClass(); sc.Annotations[api.AnnotationDefaultStorageClass] != "true" || sc.Provisioner != api.ProvisionerLocalPath {
		t.Errorf("built-in local-path: got annotations %v provisioner %q, want the default class of %s", sc.Annotations, sc.Provisioner, api.ProvisionerLocalPath)
	}
	if code, body := c.do("GET", "/v1/serviceaccounts/default?namespace=nowhere", ""); code != 404 {
		t.Errorf("default account of a missing namespace: got %d %s, want 404", code, body)
	}
	stored := "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: local-path, labels: {mine: \"yes\"}}\nprovisioner: rancher.io/local-path\n"
	if code, body := c.do("POST", "/v1/apply", stored); code != 200 {
		t.Fatalf("apply class: %d %s", code, body)
	}
	if sc := getClass(); sc.Labels["mine"] != "yes" {
		t.Errorf("stored class: got labels %v, want the stored one's", sc.Labels)
	}
	if got := listNames(t, c, "/v1/storageclasses"); len(got) != 1 {
		t.Errorf("classes with a stored local-path: got %v, want one", got)
	}
}

// TestServiceAccountAdmission checks that a pod naming a ServiceAccount
// that does not exist is refused, naming it, as Kubernetes' admission.
func TestServiceAccountAdmission(t *testing.T) {
	pod := func(sa string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  serviceAccountName: " + sa + "\n  containers: [{name: c, image: busybox}]\n"
	}
	deploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec:\n      serviceAccount: ghost\n      containers: [{name: c, image: busybox}]\n"
	account := "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: builder}\n---\n"
	tests := []struct {
		name     string
		manifest string
		want     string // "" accepted
	}{
		{"default", pod("default"), ""},
		{"missing", pod("builder"), `document 1 (Pod "p"): serviceaccount "builder" not found in namespace "default"`},
		{"other account applied with it", account + pod("ghost"), `document 2 (Pod "p"): serviceaccount "ghost" not found`},
		{"applied with it", account + pod("builder"), ""},
		{"workload template", deploy, `document 1 (Deployment "d"): serviceaccount "ghost" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := testServer(t)
			code, body := c.do("POST", "/v1/apply", tt.manifest)
			var e struct {
				Error string `json:"error"`
			}
			_ = json.Unmarshal(body, &e)
			switch {
			case tt.want == "" && code != 200:
				t.Errorf("got %d %s, want 200", code, body)
			case tt.want != "" && (code != 400 || !strings.Contains(e.Error, tt.want)):
				t.Errorf("got %d %s, want 400 with %q", code, body, tt.want)
			}
		})
	}
}

// TestAuthorizeClaimRemoval checks which claims a node may remove: only
// a deleted claim whose data it holds, guarded by uid.
func TestAuthorizeClaimRemoval(t *testing.T) {
	st := consensus.NewStore()
	p := &storeProposer{fsm: consensus.NewFSM(st, nil)}
	mk := func(name, node string, deleting bool) api.Object {
		objs, err := api.Decode([]byte(strings.Replace(testClaimYAML, "{name: data}", "{name: "+name+"}", 1)))
		if err != nil {
			t.Fatal(err)
		}
		c := objs[0].(*api.PersistentVolumeClaim)
		c.Annotations = map[string]string{api.AnnotationVolumeNode: node}
		if deleting {
			ts := time.Unix(1_800_000_000, 0)
			c.DeletionTimestamp = &ts
		}
		return c
	}
	if _, err := p.Propose(t.Context(), consensus.Put{Objects: []api.Object{mk("mine", "n2", true), mk("live", "n2", false), mk("theirs", "n1", true)}, Mode: consensus.ModeReplace, Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	uid := func(name string) string {
		o, _ := st.Get("PersistentVolumeClaim", "default", name)
		return o.GetObjectMeta().UID
	}
	key := func(name string) api.Key {
		return api.Key{Kind: "PersistentVolumeClaim", Namespace: "default", Name: name}
	}
	tests := []struct {
		name string
		cmd  consensus.Delete
		want string // "" allowed
	}{
		{"deleted claim it holds", consensus.Delete{Keys: []api.Key{key("mine")}, Preconditions: []consensus.Precondition{{Key: key("mine"), UID: uid("mine")}}}, ""},
		{"without uid", consensus.Delete{Keys: []api.Key{key("mine")}}, "without a uid precondition"},
		{"claim not being deleted", consensus.Delete{Keys: []api.Key{key("live")}, Preconditions: []consensus.Precondition{{Key: key("live"), UID: uid("live")}}}, "it is not being deleted"},
		{"another node's claim", consensus.Delete{Keys: []api.Key{key("theirs")}, Preconditions: []consensus.Precondition{{Key: key("theirs"), UID: uid("theirs")}}}, "bound to n1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := authorizeNodeWrite(st, "n2", tt.cmd)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want allowed", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// TestClaimReapply checks that re-applying a bound claim's manifest keeps
// its binding and changes nothing, and that changing its access modes is
// refused.
func TestClaimReapply(t *testing.T) {
	st, c := testServer(t)
	if code, body := c.do("POST", "/v1/apply", testClaimYAML); code != 200 {
		t.Fatalf("apply: %d %s", code, body)
	}
	o, _ := st.Get("PersistentVolumeClaim", "default", "data")
	bound := api.DeepCopy(o.(*api.PersistentVolumeClaim))
	bound.Spec.VolumeName = api.ClaimVolumeName(bound.UID)
	bound.Annotations = map[string]string{api.AnnotationVolumeNode: "n1"}
	p := &storeProposer{fsm: consensus.NewFSM(st, nil), index: 100}
	if _, err := p.Propose(t.Context(), consensus.Put{Objects: []api.Object{bound}, Mode: consensus.ModeReplace, Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	o, _ = st.Get("PersistentVolumeClaim", "default", "data")
	before := o.GetObjectMeta().ResourceVersion

	code, body := c.do("POST", "/v1/apply", testClaimYAML)
	if code != 200 || !strings.Contains(string(body), "unchanged") {
		t.Errorf("re-apply: got %d %s, want 200 unchanged", code, body)
	}
	o, _ = st.Get("PersistentVolumeClaim", "default", "data")
	if got := o.(*api.PersistentVolumeClaim); got.Spec.VolumeName != bound.Spec.VolumeName || got.ResourceVersion != before {
		t.Errorf("after re-apply: volumeName %q resourceVersion %s, want %q and %s", got.Spec.VolumeName, got.ResourceVersion, bound.Spec.VolumeName, before)
	}
	code, body = c.do("POST", "/v1/apply", strings.Replace(testClaimYAML, "ReadWriteOnce", "ReadWriteOncePod", 1))
	if code != 400 || !strings.Contains(string(body), "spec.accessModes: field is immutable") {
		t.Errorf("change access modes: got %d %s, want 400 naming spec.accessModes", code, body)
	}
}
