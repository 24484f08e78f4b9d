package api

import (
	"reflect"
	"strings"
	"testing"
)

// reachableTypes maps the names of the struct types reachable from the
// registered kinds to the types.
func reachableTypes() map[string]reflect.Type {
	types := map[string]reflect.Type{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || types[t.Name()] != nil {
			return
		}
		types[t.Name()] = t
		for _, ft := range fieldsOf(t).types {
			walk(ft)
		}
	}
	for _, k := range Kinds() {
		walk(reflect.TypeOf(k.New()).Elem())
	}
	return types
}

// TestUnsupportedFieldsAreUnknown keeps the table of unsupported Kubernetes
// fields honest: each names a type Shoal has and a field it does not.
func TestUnsupportedFieldsAreUnknown(t *testing.T) {
	types := reachableTypes()
	seen := map[string]bool{}
	for _, f := range unsupportedFields {
		typeName, field, ok := strings.Cut(f, ".")
		if !ok || field == "" {
			t.Errorf("entry %q: want Type.field", f)
			continue
		}
		if seen[f] {
			t.Errorf("entry %q is listed twice", f)
		}
		seen[f] = true
		rt, ok := types[typeName]
		if !ok {
			t.Errorf("entry %q: no type %s is reachable from a kind", f, typeName)
			continue
		}
		if _, ok := fieldsOf(rt).types[field]; ok {
			t.Errorf("entry %q: Shoal supports %s now; delete its line from api/k8sfields.go", f, f)
		}
	}
}

// TestUnsupportedKindsAreUnknown checks each unsupported kind is not a
// registered kind.
func TestUnsupportedKindsAreUnknown(t *testing.T) {
	for _, k := range unsupportedKinds {
		if _, ok := kinds[k]; ok {
			t.Errorf("kind %s is registered now; delete its line from unsupportedKinds in api/k8sfields.go", k)
		}
	}
}

// podDeployment is a Deployment whose pod spec has extra appended (indented as
// PodSpec fields) and whose container has cextra appended.
func podDeployment(extra, cextra string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
` + cextra + extra
}

func TestDecodeUnsupportedAndTypos(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    []string // each must appear in the error
		notWant []string // none may appear
	}{
		{
			name:  "unsupported PodSpec field",
			input: podDeployment("      shareProcessNamespace: true\n", ""),
			want:  []string{`document 1 (Deployment "web"): spec.template.spec.shareProcessNamespace: not supported by Shoal (a Kubernetes PodSpec field)`},
		},
		{
			name:    "unsupported Container field",
			input:   podDeployment("", "        tty: true\n"),
			want:    []string{`spec.template.spec.containers[0].tty: not supported by Shoal (a Kubernetes Container field)`},
			notWant: []string{"unknown field"},
		},
		{
			name:  "unsupported volume source",
			input: podDeployment("      volumes: [{name: nfs, nfs: {server: s, path: /}}]\n", ""),
			want:  []string{`spec.template.spec.volumes[0].nfs: not supported by Shoal (a Kubernetes Volume field)`},
		},
		{
			name:  "unsupported Service field",
			input: "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 80}]\n  loadBalancerClass: x\n",
			want:  []string{`document 1 (Service "s"): spec.loadBalancerClass: not supported by Shoal (a Kubernetes ServiceSpec field)`},
		},
		{
			name:  "unsupported metadata field",
			input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: c-}\n",
			want:  []string{`metadata.generateName: not supported by Shoal (a Kubernetes ObjectMeta field)`},
		},
		{
			name:    "typo of a supported field suggests it",
			input:   podDeployment("", "        imagePullPolicyy: Always\n"),
			want:    []string{`unknown field "spec.template.spec.containers[0].imagePullPolicyy" (did you mean "imagePullPolicy"?)`},
			notWant: []string{"not supported"},
		},
		{
			name:  "typo of an unsupported field suggests it",
			input: podDeployment("      shareProcessNamespaces: true\n", ""),
			want:  []string{`unknown field "spec.template.spec.shareProcessNamespaces" (did you mean "shareProcessNamespace"?)`},
		},
		{
			name:  "field of no kind at all",
			input: podDeployment("      frobnicate: true\n", ""),
			want:  []string{`unknown field "spec.template.spec.frobnicate"`},
		},
		{
			name:  "unsupported Kubernetes kind",
			input: withDoc1("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny}\n"),
			want:  []string{`document 2 (NetworkPolicy "deny"): kind: "NetworkPolicy" is a Kubernetes kind not supported by Shoal (Shoal accepts: ConfigMap, `, `Deployment`},
		},
		{
			name:    "unknown kind lists only kinds users apply",
			input:   "apiVersion: v1\nkind: Widget\nmetadata: {name: w}\n",
			want:    []string{`kind: unknown kind "Widget" (accepted: ConfigMap, `},
			notWant: []string{"Node", "Event", "ClusterAuth", "ClusterConfig", "Endpoints", "ReplicaSet"},
		},
		{
			name:  "misspelt unsupported kind suggests it",
			input: "apiVersion: v1\nkind: NetworkPolicyy\nmetadata: {name: w}\n",
			want:  []string{`unknown kind "NetworkPolicyy" (did you mean "NetworkPolicy"?)`},
		},
		{
			name:    "cluster kind is not suggested",
			input:   "apiVersion: v1\nkind: Nodes\nmetadata: {name: w}\n",
			notWant: []string{`did you mean "Node"`},
		},
		{
			name: "field and validation errors in one round",
			input: strings.Replace(podDeployment("      shareProcessNamespace: true\n", "        ports: [{containerPort: 0}]\n"),
				"metadata: {name: web}", "metadata: {name: Web}", 1),
			want: []string{
				`spec.template.spec.shareProcessNamespace: not supported by Shoal`,
				`metadata.name: invalid value "Web"`,
				`spec.template.spec.containers[0].ports[0].containerPort`,
			},
		},
		{
			name:  "type and validation errors in one round",
			input: strings.Replace(podDeployment("", "        ports: [{containerPort: 0}]\n"), "selector:", "replicas: two\n  selector:", 1),
			want: []string{
				`spec.replicas: got string "two", want an integer`,
				`spec.template.spec.containers[0].ports[0].containerPort`,
			},
		},
		{
			name:    "typo does not also report the field it meant as missing",
			input:   strings.Replace(podDeployment("", ""), "image:", "imagee:", 1),
			want:    []string{`unknown field "spec.template.spec.containers[0].imagee" (did you mean "image"?)`},
			notWant: []string{"containers[0].image: required"},
		},
		{
			name:    "bad value is reported once",
			input:   strings.Replace(podDeployment("", ""), "matchLabels: {app: web}", "matchLabels: [app]", 1),
			want:    []string{`spec.selector.matchLabels: got a list, want an object`},
			notWant: []string{"spec.selector: "},
		},
		{
			name:  "errors of several documents in one round",
			input: podDeployment("      tolerationz: []\n", "") + "---\napiVersion: v1\nkind: Widget\nmetadata: {name: j}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {}\n",
			want: []string{
				`document 1 (Deployment "web"): unknown field "spec.template.spec.tolerationz"`,
				`document 2 (Widget "j"): kind: `,
				`document 3 (Service "s"): spec.ports: required`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Decode([]byte(tt.input))
			if err == nil {
				t.Fatalf("Decode = %d objects, want an error", len(objs))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q; got:\n%v", w, err)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(err.Error(), w) {
					t.Errorf("error mentions %q, want it not to; got:\n%v", w, err)
				}
			}
		})
	}
}
