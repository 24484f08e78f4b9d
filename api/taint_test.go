package api

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestDecodeTolerations(t *testing.T) {
	doc := `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
      tolerations:
      - {key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 30}
      - {operator: Exists}
`
	objs, err := Decode([]byte(doc))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	got := objs[0].(*Deployment).Spec.Template.Spec.Tolerations
	want := []Toleration{
		{Key: "dedicated", Operator: TolerationEqual, Value: "gpu", Effect: TaintNoSchedule},
		{Key: TaintNodeUnreachable, Operator: TolerationExists, Effect: TaintNoExecute, TolerationSeconds: ptr(int64(30))},
		{Operator: TolerationExists},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tolerations (-want +got):\n%s", diff)
	}
}

func TestValidateTaintsAndTolerations(t *testing.T) {
	tol := func(ts ...Toleration) func(*Pod) { return func(p *Pod) { p.Spec.Tolerations = ts } }
	taints := func(ts ...Taint) func(*Node) { return func(n *Node) { n.Spec.Taints = ts } }
	tests := []struct {
		name string
		obj  Object
		want []string // each must be in the errors; none means valid
	}{
		{"node taints valid", with(validNode, taints(
			Taint{Key: "dedicated", Value: "gpu", Effect: TaintNoSchedule},
			Taint{Key: "dedicated", Value: "gpu", Effect: TaintNoExecute},
			Taint{Key: "example.com/soft", Effect: TaintPreferNoSchedule})), nil},
		{"taint key required", with(validNode, taints(Taint{Effect: TaintNoSchedule})), []string{"spec.taints[0].key: required"}},
		{"taint key invalid", with(validNode, taints(Taint{Key: "a b", Effect: TaintNoSchedule})), []string{`spec.taints[0].key: invalid value "a b"`}},
		{"taint value invalid", with(validNode, taints(Taint{Key: "a", Value: "x y", Effect: TaintNoSchedule})), []string{`spec.taints[0].value: invalid value "x y"`}},
		{"taint effect required", with(validNode, taints(Taint{Key: "a"})), []string{"spec.taints[0].effect: required"}},
		{"taint effect unknown", with(validNode, taints(Taint{Key: "a", Effect: "NoRun"})), []string{`spec.taints[0].effect: unknown effect "NoRun" (want NoSchedule, PreferNoSchedule or NoExecute)`}},
		{"taint duplicate", with(validNode, taints(Taint{Key: "a", Value: "1", Effect: TaintNoSchedule}, Taint{Key: "a", Value: "2", Effect: TaintNoSchedule})), []string{`spec.taints[1]: duplicate taint "a:NoSchedule"`}},

		{"tolerations valid", with(validPod, tol(
			Toleration{Key: "a", Value: "b", Effect: TaintNoSchedule},
			Toleration{Key: "a", Operator: TolerationExists},
			Toleration{Operator: TolerationExists},
			Toleration{Key: TaintNodeNotReady, Operator: TolerationExists, Effect: TaintNoExecute, TolerationSeconds: ptr(int64(10))})), nil},
		{"toleration key invalid", with(validPod, tol(Toleration{Key: "-a", Operator: TolerationExists})), []string{`spec.tolerations[0].key: invalid value "-a"`}},
		{"toleration Equal needs key", with(validPod, tol(Toleration{Value: "b"})), []string{"spec.tolerations[0].operator: must be Exists when key is empty"}},
		{"toleration Exists has no value", with(validPod, tol(Toleration{Key: "a", Operator: TolerationExists, Value: "b"})), []string{`spec.tolerations[0].value: must be empty when operator is Exists, got "b"`}},
		{"toleration operator unknown", with(validPod, tol(Toleration{Key: "a", Operator: "In"})), []string{`spec.tolerations[0].operator: unknown operator "In" (want Equal or Exists)`}},
		{"toleration effect unknown", with(validPod, tol(Toleration{Key: "a", Effect: "Never"})), []string{`spec.tolerations[0].effect: unknown effect "Never"`}},
		{"tolerationSeconds needs NoExecute", with(validPod, tol(Toleration{Key: "a", Effect: TaintNoSchedule, TolerationSeconds: ptr(int64(5))})), []string{"spec.tolerations[0].tolerationSeconds: only allowed with effect NoExecute"}},
		{"tolerationSeconds negative", with(validPod, tol(Toleration{Key: "a", Effect: TaintNoExecute, TolerationSeconds: ptr(int64(-1))})), []string{"spec.tolerations[0].tolerationSeconds: must not be negative, got -1"}},
		{"template tolerations checked", with(validDeployment, func(d *Deployment) { d.Spec.Template.Spec.Tolerations = []Toleration{{Key: "a", Operator: "In"}} }), []string{`spec.template.spec.tolerations[0].operator: unknown operator "In"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			Default(tt.obj)
			err := Validate(tt.obj)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("Validate = %v, want an ErrorList with %q", err, tt.want)
			}
			for _, w := range tt.want {
				found := false
				for _, fe := range list {
					found = found || strings.Contains(fe.Error(), w)
				}
				if !found {
					t.Errorf("got errors:\n%v\nwant one containing %q", err, w)
				}
			}
		})
	}
}

func TestTolerates(t *testing.T) {
	taint := Taint{Key: "dedicated", Value: "gpu", Effect: TaintNoSchedule}
	tests := []struct {
		name string
		tol  Toleration
		want bool
	}{
		{"equal key value effect", Toleration{Key: "dedicated", Value: "gpu", Effect: TaintNoSchedule}, true},
		{"default operator is Equal", Toleration{Key: "dedicated", Value: "gpu"}, true},
		{"equal wrong value", Toleration{Key: "dedicated", Value: "cpu"}, false},
		{"equal empty value", Toleration{Key: "dedicated"}, false},
		{"exists key", Toleration{Key: "dedicated", Operator: TolerationExists}, true},
		{"exists other key", Toleration{Key: "other", Operator: TolerationExists}, false},
		{"exists everything", Toleration{Operator: TolerationExists}, true},
		{"exists wrong effect", Toleration{Operator: TolerationExists, Effect: TaintNoExecute}, false},
		{"unknown operator", Toleration{Key: "dedicated", Operator: "In"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.tol.Tolerates(&taint); got != tt.want {
				t.Errorf("Tolerates(%s) = %v, want %v", taint, got, tt.want)
			}
		})
	}
}

func TestTaintString(t *testing.T) {
	for _, tt := range []struct {
		taint Taint
		want  string
	}{
		{Taint{Key: "a", Value: "b", Effect: TaintNoSchedule}, "a=b:NoSchedule"},
		{Taint{Key: "a", Effect: TaintNoExecute}, "a:NoExecute"},
	} {
		if got := tt.taint.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestParseTaintChange(t *testing.T) {
	tests := []struct {
		arg     string
		want    TaintChange
		wantErr string
	}{
		{"dedicated=gpu:NoSchedule", TaintChange{Taint: Taint{Key: "dedicated", Value: "gpu", Effect: TaintNoSchedule}}, ""},
		{"example.com/x:NoExecute", TaintChange{Taint: Taint{Key: "example.com/x", Effect: TaintNoExecute}}, ""},
		{"dedicated:NoSchedule-", TaintChange{Taint: Taint{Key: "dedicated", Effect: TaintNoSchedule}, Remove: true}, ""},
		{"dedicated=gpu:NoSchedule-", TaintChange{Taint: Taint{Key: "dedicated", Effect: TaintNoSchedule}, Remove: true}, ""},
		{"dedicated-", TaintChange{Taint: Taint{Key: "dedicated"}, Remove: true}, ""},
		{"dedicated=gpu", TaintChange{}, `taint "dedicated=gpu": effect required`},
		{"=gpu:NoSchedule", TaintChange{}, `taint "=gpu:NoSchedule": want key=value:Effect`},
		{"a:Never", TaintChange{}, `taint "a:Never": unknown effect "Never"`},
		{"a b:NoSchedule", TaintChange{}, `taint "a b:NoSchedule": key "a b"`},
		{"a=x y:NoSchedule", TaintChange{}, `taint "a=x y:NoSchedule": value "x y"`},
		{"a:-", TaintChange{}, `taint "a:-": empty effect`},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			got, err := ParseTaintChange(tt.arg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("change (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyTaintChanges(t *testing.T) {
	gpu := Taint{Key: "dedicated", Value: "gpu", Effect: TaintNoSchedule}
	exec := Taint{Key: "dedicated", Value: "gpu", Effect: TaintNoExecute}
	soft := Taint{Key: "soft", Effect: TaintPreferNoSchedule}
	add := func(t Taint) TaintChange { return TaintChange{Taint: t} }
	del := func(key string, effect TaintEffect) TaintChange {
		return TaintChange{Taint: Taint{Key: key, Effect: effect}, Remove: true}
	}
	tests := []struct {
		name    string
		have    []Taint
		changes []TaintChange
		want    []Taint
		wantErr string
	}{
		{"add", nil, []TaintChange{add(gpu)}, []Taint{gpu}, ""},
		{"add replaces same key and effect", []Taint{gpu}, []TaintChange{add(Taint{Key: "dedicated", Value: "cpu", Effect: TaintNoSchedule})},
			[]Taint{{Key: "dedicated", Value: "cpu", Effect: TaintNoSchedule}}, ""},
		{"add keeps other effect", []Taint{gpu}, []TaintChange{add(exec)}, []Taint{gpu, exec}, ""},
		{"remove one effect", []Taint{gpu, exec, soft}, []TaintChange{del("dedicated", TaintNoExecute)}, []Taint{gpu, soft}, ""},
		{"remove every effect of key", []Taint{gpu, exec, soft}, []TaintChange{del("dedicated", "")}, []Taint{soft}, ""},
		{"remove missing", []Taint{soft}, []TaintChange{del("dedicated", TaintNoSchedule)}, nil, `taint "dedicated:NoSchedule" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			have := append([]Taint(nil), tt.have...)
			got, err := ApplyTaintChanges(have, tt.changes)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("taints (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.have, have); diff != "" {
				t.Errorf("input modified (-before +after):\n%s", diff)
			}
		})
	}
}
