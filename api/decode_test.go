package api

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func keysOf(objs []Object) []string {
	var keys []string
	for _, o := range objs {
		keys = append(keys, KeyOf(o).String())
	}
	return keys
}

var allKindsKeys = []string{
	"Namespace/shop",
	"ConfigMap/shop/web-config",
	"Secret/shop/web-tls",
	"Deployment/shop/web",
	"Service/shop/web",
	"Service/shop/db",
	"StatefulSet/shop/db",
	"DaemonSet/shop/node-exporter",
	"Ingress/shop/web",
}

const minimalConfigMap = `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}`

func TestDecode(t *testing.T) {
	tests := []struct {
		name     string
		input    []byte
		wantKeys []string
	}{
		{"yaml every kind", readTestdata(t, "all-kinds.yaml"), allKindsKeys},
		{"json List of every kind", readTestdata(t, "all-kinds.json"), allKindsKeys},
		{"yaml node and pod", readTestdata(t, "cluster-kinds.yaml"), []string{"Node/node-1", "Pod/shop/web-7d4b9-x2x4z"}},
		{"json single object", []byte(minimalConfigMap), []string{"ConfigMap/default/a"}},
		{"json stream", []byte(minimalConfigMap + "\n" + strings.Replace(minimalConfigMap, `"a"`, `"b"`, 1)), []string{"ConfigMap/default/a", "ConfigMap/default/b"}},
		{"json items without kind", []byte(`{"items": [` + minimalConfigMap + `]}`), []string{"ConfigMap/default/a"}},
		{"yaml List", []byte("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n"), []string{"ConfigMap/default/a"}},
		{"yaml flow style", []byte("{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}"), []string{"ConfigMap/default/a"}},
		{"empty and comment documents skipped", []byte("---\n# nothing\n---\n\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\n"), []string{"ConfigMap/default/a"}},
		{"separator with comment", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n--- # next\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"), []string{"ConfigMap/default/a", "ConfigMap/default/b"}},
		{"content after separator", []byte("--- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n"), []string{"ConfigMap/default/a"}},
		{"crlf line endings", []byte("apiVersion: v1\r\nkind: ConfigMap\r\nmetadata: {name: a}\r\n---\r\napiVersion: v1\r\nkind: Namespace\r\nmetadata: {name: b}\r\n"), []string{"ConfigMap/default/a", "Namespace/b"}},
		{"byte order mark", []byte("\xef\xbb\xbfapiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n"), []string{"Namespace/b"}},
		{"same name in two namespaces", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: other}\n"), []string{"ConfigMap/default/a", "ConfigMap/other/a"}},
		{"same name as another kind", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: a}\n"), []string{"ConfigMap/default/a", "Secret/default/a"}},
		{"null fields", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: null}\ndata:\n"), []string{"ConfigMap/default/a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Decode(tt.input)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(tt.wantKeys, keysOf(objs)); diff != "" {
				t.Errorf("objects mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeFields checks that values land in the right fields and are
// defaulted.
func TestDecodeFields(t *testing.T) {
	objs, err := Decode(readTestdata(t, "all-kinds.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]Object{}
	for _, o := range objs {
		byKey[KeyOf(o).String()] = o
	}
	d := byKey["Deployment/shop/web"].(*Deployment)
	c := d.Spec.Template.Spec.Containers[0]
	secret := byKey["Secret/shop/web-tls"].(*Secret)
	svc := byKey["Service/shop/web"].(*Service)
	sts := byKey["StatefulSet/shop/db"].(*StatefulSet)
	tests := []struct {
		name      string
		got, want any
	}{
		{"replicas", *d.Spec.Replicas, int32(3)},
		{"maxSurge", d.Spec.Strategy.RollingUpdate.MaxSurge.String(), "1"},
		{"cpu request", c.Resources.Requests[ResourceCPU].MilliValue(), int64(250)},
		{"memory limit", c.Resources.Limits[ResourceMemory].Value(), int64(128 << 20)},
		{"probe port by name", c.LivenessProbe.HTTPGet.Port, FromString("http")},
		{"probe default period", c.ReadinessProbe.PeriodSeconds, int32(10)},
		{"kept pull policy", c.ImagePullPolicy, PullIfNotPresent},
		{"init container pull policy", d.Spec.Template.Spec.InitContainers[0].ImagePullPolicy, PullIfNotPresent},
		{"octal mode", *d.Spec.Template.Spec.Volumes[0].ConfigMap.DefaultMode, int32(0o444)},
		{"default mode", *d.Spec.Template.Spec.Volumes[2].Secret.DefaultMode, int32(DefaultFileMode)},
		{"env fieldRef", c.Env[2].ValueFrom.FieldRef.FieldPath, "status.podIP"},
		{"secret stringData folded", string(secret.Data[TLSPrivateKeyKey]), "not-really-a-key"},
		{"secret stringData cleared", len(secret.StringData), 0},
		{"secret base64 data", string(secret.Data[TLSCertKey]), "-----BEGIN"},
		{"service target port by name", svc.Spec.Ports[0].TargetPort, FromString("http")},
		{"service target port defaulted", svc.Spec.Ports[1].TargetPort, FromInt32(9090)},
		{"claim size", sts.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests[ResourceStorage].String(), "10Gi"},
		{"partition", *sts.Spec.UpdateStrategy.RollingUpdate.Partition, int32(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeYAMLAndJSONAgree decodes the same manifest written both ways.
func TestDecodeYAMLAndJSONAgree(t *testing.T) {
	fromYAML, err := Decode(readTestdata(t, "all-kinds.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := Decode(readTestdata(t, "all-kinds.json"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fromYAML, fromJSON); diff != "" {
		t.Errorf("YAML and JSON decode differently (-yaml +json):\n%s", diff)
	}
}

const goodDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        resources:
          requests: {memory: 64Mi}
          limits: {memory: 128Mi}
`

// withDoc1 puts a good ConfigMap in front of a bad document, so the bad one
// is document 2.
func withDoc1(doc string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\n---\n" + doc
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string // each must appear in the error
	}{
		{
			name:  "unknown top-level field",
			input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndataa: {a: b}\n",
			want:  []string{`document 1 (ConfigMap "c"): unknown field "dataa" (did you mean "data"?)`},
		},
		{
			name:  "unknown nested field",
			input: withDoc1(strings.Replace(goodDeployment, "image:", "imagee:", 1)),
			want:  []string{`document 2 (Deployment "web"): unknown field "spec.template.spec.containers[0].imagee" (did you mean "image"?)`},
		},
		{
			name:  "unknown field in metadata",
			input: withDoc1("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labelz: {a: b}}\n"),
			want:  []string{`document 2 (ConfigMap "c"): unknown field "metadata.labelz" (did you mean "labels"?)`},
		},
		{
			name:  "field name in wrong case",
			input: withDoc1(strings.Replace(goodDeployment, "replicas:", "Replicas:", 1)),
			want:  []string{`document 2 (Deployment "web"): unknown field "spec.Replicas" (did you mean "replicas"?)`},
		},
		{
			name:  "wrong type string for int",
			input: withDoc1(strings.Replace(goodDeployment, "replicas: 2", "replicas: two", 1)),
			want:  []string{`document 2 (Deployment "web"): spec.replicas: got string "two", want an integer`},
		},
		{
			name:  "wrong type quoted number for int",
			input: withDoc1(strings.Replace(goodDeployment, "replicas: 2", `replicas: "2"`, 1)),
			want:  []string{`document 2 (Deployment "web"): spec.replicas: got string "2", want an integer`},
		},
		{
			name:  "wrong type bool for string",
			input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {enabled: yes}\n",
			want:  []string{`document 1 (ConfigMap "c"): data[enabled]: got boolean true, want a string (put quotes around it)`},
		},
		{
			name:  "wrong type list for object",
			input: withDoc1(strings.Replace(goodDeployment, "    matchLabels: {app: web}", "    matchLabels: [app]", 1)),
			want:  []string{`document 2 (Deployment "web"): spec.selector.matchLabels: got a list, want an object`},
		},
		{
			name:  "number out of range",
			input: withDoc1(strings.Replace(goodDeployment, "replicas: 2", "replicas: 3000000000", 1)),
			want:  []string{`document 2 (Deployment "web"): spec.replicas: 3000000000 is out of range for a 32-bit integer`},
		},
		{
			name:  "fractional int",
			input: withDoc1(strings.Replace(goodDeployment, "replicas: 2", "replicas: 2.5", 1)),
			want:  []string{`document 2 (Deployment "web"): spec.replicas: got number 2.5, want an integer`},
		},
		{
			name:  "uppercase name",
			input: withDoc1(strings.Replace(goodDeployment, "name: web\n", "name: Web\n", 1)),
			want:  []string{`document 2 (Deployment "Web"): metadata.name: invalid value "Web": must be a DNS subdomain`},
		},
		{
			name:  "name too long",
			input: withDoc1(strings.Replace(goodDeployment, "name: web\n", "name: "+strings.Repeat("a", 254)+"\n", 1)),
			want:  []string{`document 2 (Deployment "aaaa`, `metadata.name: invalid value "aaaa`, `must be a DNS subdomain: at most 253`},
		},
		{
			name:  "service name must start with a letter",
			input: withDoc1("apiVersion: v1\nkind: Service\nmetadata: {name: 1web}\nspec:\n  ports: [{port: 80}]\n"),
			want:  []string{`document 2 (Service "1web"): metadata.name: invalid value "1web": must be a DNS label that starts with a letter`},
		},
		{
			name:  "selector does not match template",
			input: withDoc1(strings.Replace(goodDeployment, "labels: {app: web}", "labels: {app: webx}", 1)),
			want:  []string{`document 2 (Deployment "web"): spec.selector: does not match template labels`},
		},
		{
			name:  "invalid quantity",
			input: withDoc1(strings.Replace(goodDeployment, "limits: {memory: 128Mi}", "limits: {memory: 12XB}", 1)),
			want:  []string{`document 2 (Deployment "web"): spec.template.spec.containers[0].resources.limits[memory]: invalid quantity "12XB": unknown suffix "XB"`},
		},
		{
			name:  "requests above limits",
			input: withDoc1(strings.Replace(goodDeployment, "requests: {memory: 64Mi}", "requests: {memory: 256Mi}", 1)),
			want:  []string{`document 2 (Deployment "web"): spec.template.spec.containers[0].resources.requests[memory]: 256Mi is more than the limit 128Mi`},
		},
		{
			name:  "ingressclass parameters are not supported",
			input: "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: external}\nspec:\n  controller: shoal.dev/ingress\n  parameters: {kind: IngressParameters, name: external}\n",
			want:  []string{`document 1 (IngressClass "external"): spec.parameters: not supported by Shoal (a Kubernetes IngressClassSpec field)`},
		},
		{
			name:  "ingressclass without controller",
			input: "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: external}\nspec: {}\n",
			want:  []string{`document 1 (IngressClass "external"): spec.controller: required`},
		},
		{
			name:  "ingress resource backend is not supported",
			input: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec:\n  defaultBackend:\n    resource: {kind: StorageBucket, name: static}\n",
			want:  []string{`document 1 (Ingress "web"): spec.defaultBackend.resource: not supported by Shoal (a Kubernetes IngressBackend field)`},
		},
		{
			name:  "unknown kind",
			input: withDoc1("apiVersion: v1\nkind: Deploymnet\nmetadata: {name: x}\n"),
			want:  []string{`document 2 (Deploymnet "x"): kind: unknown kind "Deploymnet" (did you mean "Deployment"?)`},
		},
		{
			name:  "unknown kind lists the accepted ones",
			input: "apiVersion: v1\nkind: Widget\nmetadata: {name: x}\n",
			want:  []string{`document 1 (Widget "x"): kind: unknown kind "Widget" (accepted: ConfigMap, `, `Deployment`, `Service`},
		},
		{
			name:  "missing kind",
			input: "apiVersion: v1\nmetadata: {name: x}\n",
			want:  []string{`document 1 ("x"): kind: required`},
		},
		{
			name:  "wrong apiVersion",
			input: withDoc1(strings.Replace(goodDeployment, "apps/v1", "extensions/v1beta1", 1)),
			want:  []string{`document 2 (Deployment "web"): apiVersion: got "extensions/v1beta1", want "apps/v1" for kind Deployment`},
		},
		{
			name:  "kind not a string",
			input: withDoc1("apiVersion: v1\nkind: [ConfigMap]\nmetadata: {name: x}\n"),
			want:  []string{`document 2 ("x"): kind: got a list, want a string`},
		},
		{
			name:  "missing apiVersion",
			input: "kind: Service\nmetadata: {name: x}\n",
			want:  []string{`document 1 (Service "x"): apiVersion: required ("v1" for kind Service)`},
		},
		{
			name:  "empty file",
			input: "",
			want:  []string{"no objects in input"},
		},
		{
			name:  "only comments and separators",
			input: "# nothing here\n---\n---\n   \n",
			want:  []string{"no objects in input"},
		},
		{
			name:  "duplicate object",
			input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n",
			want:  []string{`document 2 (ConfigMap "a"): duplicate object: ConfigMap/default/a is also in document 1`},
		},
		{
			name:  "invalid YAML syntax",
			input: withDoc1("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n labels: {}\n"),
			want:  []string{`document 2: invalid YAML: line 8: did not find expected key`},
		},
		{
			name:  "invalid YAML on a document's first line",
			input: withDoc1("apiVersion: v1: x\n"),
			want:  []string{`document 2: invalid YAML: line 5: mapping values are not allowed in this context`},
		},
		{
			name:  "tab indentation",
			input: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: a\n",
			want:  []string{`document 1: invalid YAML: line 4: found character that cannot start any token`},
		},
		{
			name:  "duplicate YAML key",
			input: withDoc1(strings.Replace(goodDeployment, "replicas: 2\n", "replicas: 2\n  replicas: 3\n", 1)),
			want:  []string{`document 2: invalid YAML: line 11: key "replicas" already set in map`},
		},
		{
			name:  "duplicate JSON key",
			input: `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "name": "b"}}`,
			want:  []string{`document 1: duplicate field "metadata.name"`},
		},
		{
			name:  "invalid JSON",
			input: "{\"apiVersion\": \"v1\",\n \"kind\": \"ConfigMap\",,\n}",
			want:  []string{`document 1: invalid JSON: line 2: invalid character ','`},
		},
		{
			name:  "truncated JSON",
			input: `{"apiVersion": "v1", "kind": "ConfigMap"`,
			want:  []string{`document 1: invalid JSON: unexpected end of input`},
		},
		{
			name:  "document is not an object",
			input: withDoc1("- a\n- b\n"),
			want:  []string{`document 2: got a list, want an object with apiVersion and kind`},
		},
		{
			name:  "List item error",
			input: `{"kind": "List", "items": [` + minimalConfigMap + `, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 0}]}}]}`,
			want:  []string{`document 1, item 2 (Service "s"): spec.ports[0].port: must be 1-65535, got 0`},
		},
		{
			name:  "List with wrong apiVersion",
			input: `{"apiVersion": "v2", "kind": "List", "items": []}`,
			want:  []string{`document 1 (List): apiVersion: got string "v2", want "v1" for a List`},
		},
		{
			name:  "document too large",
			input: withDoc1("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  a: " + strings.Repeat("x", MaxDocumentSize) + "\n"),
			want:  []string{`document 2: larger than the limit of 1 MiB`},
		},
		{
			name:  "JSON document too large",
			input: `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"a": "` + strings.Repeat("x", MaxDocumentSize) + `"}}`,
			want:  []string{`document 1: larger than the limit of 1 MiB`},
		},
		{
			name:  "YAML 1.1 boolean where a string belongs",
			input: "apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n",
			want:  []string{`document 1 (Namespace): metadata.name: got boolean false, want a string (put quotes around it)`},
		},
		{
			name:  "invalid base64",
			input: "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: hunter2!}\n",
			want:  []string{`document 1 (Secret "s"): data[password]: invalid base64 (plain text goes in stringData)`},
		},
		{
			name:  "invalid time",
			input: "apiVersion: v1\nkind: Node\nmetadata: {name: node-a, creationTimestamp: yesterday}\n",
			want:  []string{`document 1 (Node "node-a"): metadata.creationTimestamp: invalid time "yesterday"`},
		},
		{
			name:  "invalid int-or-string",
			input: withDoc1("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 80, targetPort: 1.5}]\n"),
			want:  []string{`document 2 (Service "s"): spec.ports[0].targetPort: got 1.5, want a 32-bit integer or a string`},
		},
		{
			name: "every error in every document",
			input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: A}\n---\n" +
				"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: Magic}\n",
			want: []string{
				`document 1 (ConfigMap "A"): metadata.name: invalid value "A"`,
				`document 2 (Service "s"): spec.type: unknown type "Magic"`,
				`document 2 (Service "s"): spec.ports: required`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Decode([]byte(tt.input))
			if err == nil {
				t.Fatalf("Decode = %d objects, want an error containing %q", len(objs), tt.want)
			}
			if objs != nil {
				t.Errorf("Decode returned %d objects with an error, want none", len(objs))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q; got:\n%v", w, err)
				}
			}
		})
	}
}

func TestDecodeErrorTypes(t *testing.T) {
	_, err := Decode([]byte(withDoc1(strings.Replace(goodDeployment, "image: nginx:1.27", "image: ''", 1))))
	var de *DocumentError
	if !errors.As(err, &de) {
		t.Fatalf("error %v is not a *DocumentError", err)
	}
	if de.Document != 2 || de.Kind != "Deployment" || de.Name != "web" {
		t.Errorf("DocumentError = {Document: %d, Kind: %q, Name: %q}, want {2, Deployment, web}", de.Document, de.Kind, de.Name)
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v wraps no *FieldError", err)
	}
	if want := "spec.template.spec.containers[0].image"; fe.Field != want {
		t.Errorf("FieldError.Field = %q, want %q", fe.Field, want)
	}
	if _, err := Decode(nil); !errors.Is(err, ErrNoObjects) {
		t.Errorf("Decode(nil) error = %v, want ErrNoObjects", err)
	}
}

func TestDecodeObject(t *testing.T) {
	tests := []struct {
		name    string
		kind    string
		stored  bool
		body    string
		wantKey string
		wantErr string
	}{
		{"full body", "Deployment", false, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`, "Deployment/default/web", ""},
		{"kind from the path", "configmaps", false, `{"metadata":{"name":"c","namespace":"x"},"data":{"k":"v"}}`, "ConfigMap/x/c", ""},
		{"alias", "cm", false, `{"metadata":{"name":"c"}}`, "ConfigMap/default/c", ""},
		{"kind mismatch", "services", false, minimalConfigMap, "", `(ConfigMap "a"): kind: got "ConfigMap", want "Service"`},
		{"unknown kind", "widgets", false, `{}`, "", `unknown kind "widgets"`},
		{"unknown field", "ConfigMap", false, `{"metadata":{"name":"c"},"spec":{}}`, "", `(ConfigMap "c"): unknown field "spec"`},
		{"invalid", "ConfigMap", false, `{"metadata":{"name":"C"}}`, "", `(ConfigMap "C"): metadata.name: invalid value "C"`},
		{"trailing data", "ConfigMap", false, minimalConfigMap + ` {}`, "", `invalid JSON: line 1: data after the object`},
		{"not JSON", "ConfigMap", false, `metadata: {name: c}`, "", `invalid JSON: line 1: invalid character 'm'`},
		{"empty", "ConfigMap", false, ``, "", `invalid JSON: unexpected end of input`},
		{"kind from the body", "", false, minimalConfigMap, "ConfigMap/default/a", ""},
		{"no kind anywhere", "", false, `{"metadata":{"name":"c"}}`, "", `kind: required`},
		{"stored: taken as stored, not validated", "", true, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"C","uid":"u1","resourceVersion":"7"}}`, "ConfigMap/C", ""},
		{"stored: expected kind", "ConfigMap", true, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"x"}}`, "ConfigMap/x/c", ""},
		{"stored: kind mismatch", "Service", true, minimalConfigMap, "", `object of kind "ConfigMap" where "Service" was expected`},
		{"stored: no kind", "", true, `{"metadata":{"name":"c"}}`, "", `decode object: no kind`},
		{"stored: unknown kind", "", true, `{"kind":"Widget"}`, "", `unknown kind "Widget"`},
		{"stored: unknown field", "", true, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"spec":{}}`, "", `decode ConfigMap: json: unknown field "spec"`},
		{"stored: trailing data", "", true, minimalConfigMap + ` {}`, "", `after top-level value`},
		{"too large", "ConfigMap", false, `{"data":{"a":"` + strings.Repeat("x", MaxDocumentSize) + `"}}`, "", `larger than 1048576 bytes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj, err := DecodeObject([]byte(tt.body), DecodeOptions{Kind: tt.kind, Stored: tt.stored})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("DecodeObject error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeObject: %v", err)
			}
			if got := KeyOf(obj).String(); got != tt.wantKey {
				t.Errorf("key = %s, want %s", got, tt.wantKey)
			}
		})
	}
}

// encodeAll writes objs back out as one YAML or JSON manifest.
func encodeAll(t testing.TB, objs []Object, asYAML bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, o := range objs {
		var b []byte
		var err error
		if asYAML {
			buf.WriteString("---\n")
			b, err = EncodeYAML(o)
		} else {
			b, err = Encode(o)
		}
		if err != nil {
			t.Fatalf("encode %s: %v", KeyOf(o), err)
		}
		buf.Write(b)
		buf.WriteString("\n")
	}
	return buf.Bytes()
}

func TestEncodeRoundTrip(t *testing.T) {
	for _, file := range []string{"all-kinds.yaml", "cluster-kinds.yaml"} {
		objs, err := Decode(readTestdata(t, file))
		if err != nil {
			t.Fatal(err)
		}
		for _, asYAML := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s yaml=%t", file, asYAML), func(t *testing.T) {
				again, err := Decode(encodeAll(t, objs, asYAML))
				if err != nil {
					t.Fatalf("decode of encoded objects: %v", err)
				}
				if diff := cmp.Diff(objs, again); diff != "" {
					t.Errorf("round trip mismatch (-before +after):\n%s", diff)
				}
			})
		}
	}
}

func TestEncodeFillsTypeMeta(t *testing.T) {
	cm := &ConfigMap{ObjectMeta: ObjectMeta{Name: "a"}}
	b, err := Encode(cm)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}`; string(b) != want {
		t.Errorf("Encode = %s, want %s", b, want)
	}
	if cm.Kind != "" {
		t.Errorf("Encode changed its argument: kind = %q, want empty", cm.Kind)
	}
	y, err := EncodeYAML(cm)
	if err != nil {
		t.Fatal(err)
	}
	if want := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"; string(y) != want {
		t.Errorf("EncodeYAML = %q, want %q", y, want)
	}
	if _, err := Encode((*ConfigMap)(nil)); err == nil {
		t.Errorf("Encode(nil) succeeded, want an error")
	}
}

func FuzzDecode(f *testing.F) {
	// One seed per document keeps seeds small, so the fuzzer spends its
	// time fuzzing rather than minimizing.
	for _, name := range []string{"all-kinds.yaml", "cluster-kinds.yaml"} {
		for _, doc := range strings.Split(string(readTestdata(f, name)), "\n---\n") {
			f.Add([]byte(doc))
		}
	}
	f.Add([]byte(goodDeployment))
	f.Add([]byte(minimalConfigMap))
	f.Add([]byte(`{"items": [` + minimalConfigMap + `]}`))
	f.Add([]byte("--- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n"))
	f.Add([]byte("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {a: b}\n"))
	f.Add([]byte("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {clusterIP: None}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add(laughs(4, 4, "lol"))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {enabled: yes}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := Decode(data)
		if err != nil {
			if objs != nil {
				t.Fatalf("Decode returned objects and an error: %v", err)
			}
			return
		}
		for _, asYAML := range []bool{false, true} {
			encoded := encodeAll(t, objs, asYAML)
			again, err := Decode(encoded)
			if err != nil {
				t.Fatalf("Decode(%q) succeeded, but its encoding (yaml=%t) does not decode: %v\n%s", data, asYAML, err, encoded)
			}
			// Empty and absent lists and maps encode the same way.
			if diff := cmp.Diff(objs, again, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("round trip (yaml=%t) changed the objects (-before +after):\n%s", asYAML, diff)
			}
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	manifest := append(readTestdata(b, "all-kinds.yaml"), []byte("\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra, namespace: shop}\ndata: {a: b}\n")...)
	objs, err := Decode(manifest)
	if err != nil || len(objs) != 10 {
		b.Fatalf("Decode = %d objects, %v; want 10", len(objs), err)
	}
	b.SetBytes(int64(len(manifest)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(manifest); err != nil {
			b.Fatal(err)
		}
	}
}
