package api

import (
	"strings"
	"testing"
)

func TestDecodeTopologySpread(t *testing.T) {
	doc := `apiVersion: v1
kind: Pod
metadata: {name: p, labels: {app: web}}
spec:
  containers: [{name: c, image: busybox}]
  topologySpreadConstraints:
  - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}, minDomains: 3}
  - {maxSkew: 2, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: web}}}
`
	objs, err := Decode([]byte(doc))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	cs := objs[0].(*Pod).Spec.TopologySpreadConstraints
	if len(cs) != 2 || cs[0].MaxSkew != 1 || cs[0].MinDomains == nil || *cs[0].MinDomains != 3 || cs[1].WhenUnsatisfiable != ScheduleAnyway {
		t.Errorf("got %+v, want the two constraints as written", cs)
	}
}

func TestValidateTopologySpread(t *testing.T) {
	sel := &LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	ok := TopologySpreadConstraint{MaxSkew: 1, TopologyKey: "k", WhenUnsatisfiable: DoNotSchedule, LabelSelector: sel}
	mod := func(f func(*TopologySpreadConstraint)) []TopologySpreadConstraint {
		c := ok
		f(&c)
		return []TopologySpreadConstraint{c}
	}
	const p = "spec.topologySpreadConstraints[0]"
	tests := []struct {
		name string
		cs   []TopologySpreadConstraint
		want string // "" means valid
	}{
		{"valid", []TopologySpreadConstraint{ok, {MaxSkew: 3, TopologyKey: "k", WhenUnsatisfiable: ScheduleAnyway}}, ""},
		{"maxSkew 0", mod(func(c *TopologySpreadConstraint) { c.MaxSkew = 0 }), p + ".maxSkew: must be at least 1, got 0"},
		{"topologyKey required", mod(func(c *TopologySpreadConstraint) { c.TopologyKey = "" }), p + ".topologyKey: required"},
		{"topologyKey invalid", mod(func(c *TopologySpreadConstraint) { c.TopologyKey = "a b" }), p + `.topologyKey: invalid value "a b"`},
		{"action required", mod(func(c *TopologySpreadConstraint) { c.WhenUnsatisfiable = "" }), p + ".whenUnsatisfiable: required"},
		{"action unknown", mod(func(c *TopologySpreadConstraint) { c.WhenUnsatisfiable = "Maybe" }), p + `.whenUnsatisfiable: unknown action "Maybe" (want DoNotSchedule or ScheduleAnyway)`},
		{"minDomains 0", mod(func(c *TopologySpreadConstraint) { c.MinDomains = ptr(int32(0)) }), p + ".minDomains: must be at least 1, got 0"},
		{"minDomains with ScheduleAnyway", mod(func(c *TopologySpreadConstraint) { c.MinDomains = ptr(int32(2)); c.WhenUnsatisfiable = ScheduleAnyway }), p + ".minDomains: only allowed with whenUnsatisfiable DoNotSchedule"},
		{"selector checked", mod(func(c *TopologySpreadConstraint) {
			c.LabelSelector = &LabelSelector{MatchExpressions: []LabelSelectorRequirement{{Key: "a", Operator: "Like"}}}
		}), p + `.labelSelector.matchExpressions[0].operator: unknown operator "Like"`},
		{"duplicate", []TopologySpreadConstraint{ok, ok}, `spec.topologySpreadConstraints[1]: duplicate constraint for topologyKey "k" and whenUnsatisfiable DoNotSchedule`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := with(validPod, func(p *Pod) { p.Spec.TopologySpreadConstraints = tt.cs })
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
