package api

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeNodeAffinity(t *testing.T) {
	doc := `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: busybox}]
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - {key: topology.kubernetes.io/zone, operator: In, values: [a, b]}
          - {key: cores, operator: Gt, values: ["8"]}
          matchFields:
          - {key: metadata.name, operator: NotIn, values: [n3]}
`
	objs, err := Decode([]byte(doc))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	ns := objs[0].(*Pod).Spec.RequiredNodeSelector()
	if ns == nil || len(ns.NodeSelectorTerms) != 1 {
		t.Fatalf("got required node affinity %+v, want one term", ns)
	}
	term := ns.NodeSelectorTerms[0]
	if len(term.MatchExpressions) != 2 || term.MatchExpressions[1].Operator != NodeSelectorOpGt || len(term.MatchFields) != 1 || term.MatchFields[0].Values[0] != "n3" {
		t.Errorf("got term %+v, want 2 expressions (the second Gt) and matchFields NotIn [n3]", term)
	}
	if !ns.Matches("n1", map[string]string{"topology.kubernetes.io/zone": "a", "cores": "16"}) {
		t.Errorf("node n1 in zone a with 16 cores: got no match, want a match")
	}
	if ns.Matches("n3", map[string]string{"topology.kubernetes.io/zone": "a", "cores": "16"}) {
		t.Errorf("node n3: got a match, want none (matchFields NotIn n3)")
	}
}

func TestDecodeRefusesUnsupportedAffinity(t *testing.T) {
	doc := `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: busybox}]
  affinity:
    podAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: kubernetes.io/hostname
        namespaceSelector: {}
`
	_, err := Decode([]byte(doc))
	if err == nil || !strings.Contains(err.Error(), "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].namespaceSelector: not supported by Shoal") {
		t.Errorf("got %v, want an error naming the namespaceSelector field", err)
	}
}

func TestValidateNodeAffinity(t *testing.T) {
	aff := func(terms ...NodeSelectorTerm) func(*Pod) {
		return func(p *Pod) {
			p.Spec.Affinity = &Affinity{NodeAffinity: &NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &NodeSelector{NodeSelectorTerms: terms}}}
		}
	}
	ex := func(rs ...NodeSelectorRequirement) NodeSelectorTerm { return NodeSelectorTerm{MatchExpressions: rs} }
	fl := func(rs ...NodeSelectorRequirement) NodeSelectorTerm { return NodeSelectorTerm{MatchFields: rs} }
	const base = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"
	tests := []struct {
		name string
		obj  Object
		want []string
	}{
		{"valid", with(validPod, aff(ex(
			NodeSelectorRequirement{Key: "a", Operator: NodeSelectorOpIn, Values: []string{"x"}},
			NodeSelectorRequirement{Key: "b", Operator: NodeSelectorOpDoesNotExist},
			NodeSelectorRequirement{Key: "c", Operator: NodeSelectorOpLt, Values: []string{"-3"}}),
			fl(NodeSelectorRequirement{Key: NodeFieldName, Operator: NodeSelectorOpIn, Values: []string{"n1"}}))), nil},
		{"empty affinity ok", with(validPod, func(p *Pod) { p.Spec.Affinity = &Affinity{} }), nil},
		{"no terms", with(validPod, aff()), []string{base + ": required: at least one term"}},
		{"key required", with(validPod, aff(ex(NodeSelectorRequirement{Operator: NodeSelectorOpExists}))), []string{base + "[0].matchExpressions[0].key: required"}},
		{"key invalid", with(validPod, aff(ex(NodeSelectorRequirement{Key: "a b", Operator: NodeSelectorOpExists}))), []string{base + `[0].matchExpressions[0].key: invalid value "a b"`}},
		{"operator unknown", with(validPod, aff(ex(NodeSelectorRequirement{Key: "a", Operator: "Like"}))), []string{base + `[0].matchExpressions[0].operator: unknown operator "Like" (want In, NotIn, Exists, DoesNotExist, Gt or Lt)`}},
		{"operator required", with(validPod, aff(ex(NodeSelectorRequirement{Key: "a"}))), []string{base + "[0].matchExpressions[0].operator: required"}},
		{"In needs values", with(validPod, aff(ex(NodeSelectorRequirement{Key: "a", Operator: NodeSelectorOpIn}))), []string{base + "[0].matchExpressions[0].values: required for operator In"}},
		{"Exists has no values", with(validPod, aff(ex(NodeSelectorRequirement{Key: "a", Operator: NodeSelectorOpExists, Values: []string{"x"}}))), []string{base + "[0].matchExpressions[0].values: must be empty for operator Exists"}},
		{"Gt needs one integer", with(validPod, aff(ex(NodeSelectorRequirement{Key: "a", Operator: NodeSelectorOpGt, Values: []string{"x"}}))), []string{base + `[0].matchExpressions[0].values[0]: must be an integer for operator Gt, got "x"`}},
		{"Lt needs exactly one", with(validPod, aff(ex(NodeSelectorRequirement{Key: "a", Operator: NodeSelectorOpLt, Values: []string{"1", "2"}}))), []string{base + "[0].matchExpressions[0].values: must have exactly one integer for operator Lt, got 2 values"}},
		{"value invalid", with(validPod, aff(ex(NodeSelectorRequirement{Key: "a", Operator: NodeSelectorOpIn, Values: []string{"x y"}}))), []string{base + `[0].matchExpressions[0].values[0]: invalid value "x y"`}},
		{"field other than name", with(validPod, aff(fl(NodeSelectorRequirement{Key: "spec.podCIDR", Operator: NodeSelectorOpIn, Values: []string{"x"}}))), []string{base + `[0].matchFields[0].key: unsupported field "spec.podCIDR" (want metadata.name)`}},
		{"field operator", with(validPod, aff(fl(NodeSelectorRequirement{Key: NodeFieldName, Operator: NodeSelectorOpExists}))), []string{base + "[0].matchFields[0].operator: must be In or NotIn for matchFields, got Exists"}},
		{"field one name", with(validPod, aff(fl(NodeSelectorRequirement{Key: NodeFieldName, Operator: NodeSelectorOpIn, Values: []string{"a", "b"}}))), []string{base + "[0].matchFields[0].values: must have exactly one node name for matchFields, got 2"}},
		{"in a template", with(validDeployment, func(d *Deployment) {
			d.Spec.Template.Spec.Affinity = &Affinity{NodeAffinity: &NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &NodeSelector{}}}
		}), []string{"spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: required"}},
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

func TestNodeSelectorTermMatches(t *testing.T) {
	labels := map[string]string{"zone": "a", "cores": "8", "weird": "x"}
	tests := []struct {
		name string
		term NodeSelectorTerm
		want bool
	}{
		{"empty term matches nothing", NodeSelectorTerm{}, false},
		{"In", NodeSelectorTerm{MatchExpressions: []NodeSelectorRequirement{{Key: "zone", Operator: NodeSelectorOpIn, Values: []string{"a"}}}}, true},
		{"In absent", NodeSelectorTerm{MatchExpressions: []NodeSelectorRequirement{{Key: "gpu", Operator: NodeSelectorOpIn, Values: []string{"a"}}}}, false},
		{"NotIn absent", NodeSelectorTerm{MatchExpressions: []NodeSelectorRequirement{{Key: "gpu", Operator: NodeSelectorOpNotIn, Values: []string{"a"}}}}, true},
		{"Gt equal is false", NodeSelectorTerm{MatchExpressions: []NodeSelectorRequirement{{Key: "cores", Operator: NodeSelectorOpGt, Values: []string{"8"}}}}, false},
		{"Gt non-integer label", NodeSelectorTerm{MatchExpressions: []NodeSelectorRequirement{{Key: "weird", Operator: NodeSelectorOpGt, Values: []string{"1"}}}}, false},
		{"field name NotIn", NodeSelectorTerm{MatchFields: []NodeSelectorRequirement{{Key: NodeFieldName, Operator: NodeSelectorOpNotIn, Values: []string{"n2"}}}}, true},
		{"unknown field", NodeSelectorTerm{MatchFields: []NodeSelectorRequirement{{Key: "spec.x", Operator: NodeSelectorOpIn, Values: []string{"n1"}}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.term.Matches("n1", labels); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidatePodAntiAffinity(t *testing.T) {
	anti := func(terms ...PodAffinityTerm) Object {
		return with(validPod, func(p *Pod) {
			p.Spec.Affinity = &Affinity{PodAntiAffinity: &PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: terms}}
		})
	}
	const base = "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]"
	sel := &LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	tests := []struct {
		name string
		obj  Object
		want string // "" means valid
	}{
		{"valid", anti(PodAffinityTerm{LabelSelector: sel, TopologyKey: "kubernetes.io/hostname", Namespaces: []string{"default"}}), ""},
		{"topologyKey required", anti(PodAffinityTerm{LabelSelector: sel}), base + ".topologyKey: required"},
		{"topologyKey invalid", anti(PodAffinityTerm{LabelSelector: sel, TopologyKey: "a b"}), base + `.topologyKey: invalid value "a b"`},
		{"selector checked", anti(PodAffinityTerm{LabelSelector: &LabelSelector{MatchExpressions: []LabelSelectorRequirement{{Key: "app", Operator: "Like"}}}, TopologyKey: "k"}), base + `.labelSelector.matchExpressions[0].operator: unknown operator "Like"`},
		{"namespace invalid", anti(PodAffinityTerm{LabelSelector: sel, TopologyKey: "k", Namespaces: []string{"Prod"}}), base + `.namespaces[0]: invalid value "Prod"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			Default(tt.obj)
			err := Validate(tt.obj)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want valid", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestPodAffinityTermSelects(t *testing.T) {
	term := PodAffinityTerm{LabelSelector: &LabelSelector{MatchLabels: map[string]string{"app": "web"}}, TopologyKey: "k"}
	web := map[string]string{"app": "web"}
	if !term.Selects("default", "default", web) {
		t.Errorf("same namespace, matching labels: got false, want true")
	}
	if term.Selects("default", "other", web) {
		t.Errorf("other namespace without namespaces: got true, want false")
	}
	term.Namespaces = []string{"other"}
	if !term.Selects("default", "other", web) {
		t.Errorf("listed namespace: got false, want true")
	}
	if (&PodAffinityTerm{TopologyKey: "k"}).Selects("default", "default", web) {
		t.Errorf("nil selector: got true, want false")
	}
}

func TestValidatePodAffinity(t *testing.T) {
	obj := with(validPod, func(p *Pod) {
		p.Spec.Affinity = &Affinity{PodAffinity: &PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []PodAffinityTerm{
			{LabelSelector: &LabelSelector{MatchLabels: map[string]string{"app": "db"}}, TopologyKey: "kubernetes.io/hostname"},
			{LabelSelector: &LabelSelector{MatchLabels: map[string]string{"app": "db"}}},
		}}}
	})
	Default(obj)
	err := Validate(obj)
	want := "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[1].topologyKey: required"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want an error containing %q", err, want)
	}
	if strings.Contains(err.Error(), "[0]") {
		t.Errorf("got %v, want the first term accepted", err)
	}
}

func TestValidatePreferredAffinity(t *testing.T) {
	sel := &LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	tests := []struct {
		name string
		aff  *Affinity
		want string // "" means valid
	}{
		{"valid", &Affinity{
			NodeAffinity:    &NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []PreferredSchedulingTerm{{Weight: 1, Preference: NodeSelectorTerm{MatchExpressions: []NodeSelectorRequirement{{Key: "a", Operator: NodeSelectorOpExists}}}}}},
			PodAntiAffinity: &PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []WeightedPodAffinityTerm{{Weight: 100, PodAffinityTerm: PodAffinityTerm{LabelSelector: sel, TopologyKey: "k"}}}},
		}, ""},
		{"node weight 0", &Affinity{NodeAffinity: &NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []PreferredSchedulingTerm{{Weight: 0}}}},
			"spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: must be 1-100, got 0"},
		{"node preference checked", &Affinity{NodeAffinity: &NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []PreferredSchedulingTerm{{Weight: 5, Preference: NodeSelectorTerm{MatchExpressions: []NodeSelectorRequirement{{Key: "a", Operator: "Near"}}}}}}},
			`spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions[0].operator: unknown operator "Near"`},
		{"anti weight 101", &Affinity{PodAntiAffinity: &PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []WeightedPodAffinityTerm{{Weight: 101, PodAffinityTerm: PodAffinityTerm{LabelSelector: sel, TopologyKey: "k"}}}}},
			"spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: must be 1-100, got 101"},
		{"anti term checked", &Affinity{PodAntiAffinity: &PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []WeightedPodAffinityTerm{{Weight: 1, PodAffinityTerm: PodAffinityTerm{LabelSelector: sel}}}}},
			"spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey: required"},
		{"pod affinity valid", &Affinity{PodAffinity: &PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []WeightedPodAffinityTerm{{Weight: 100, PodAffinityTerm: PodAffinityTerm{LabelSelector: sel, TopologyKey: "k"}}}}}, ""},
		{"pod affinity weight 0", &Affinity{PodAffinity: &PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []WeightedPodAffinityTerm{{Weight: 0, PodAffinityTerm: PodAffinityTerm{LabelSelector: sel, TopologyKey: "k"}}}}},
			"spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: must be 1-100, got 0"},
		{"pod affinity term checked", &Affinity{PodAffinity: &PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []WeightedPodAffinityTerm{{Weight: 1, PodAffinityTerm: PodAffinityTerm{LabelSelector: sel}}}}},
			"spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := with(validPod, func(p *Pod) { p.Spec.Affinity = tt.aff })
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
