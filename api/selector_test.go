package api

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSelector(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    *LabelSelector
		wantStr string
	}{
		{"empty", "", &LabelSelector{}, ""},
		{"blank", "  ", &LabelSelector{}, ""},
		{"equals", "app=web", &LabelSelector{MatchLabels: map[string]string{"app": "web"}}, "app=web"},
		{"double equals", "app==web", &LabelSelector{MatchLabels: map[string]string{"app": "web"}}, "app=web"},
		{"empty value", "app=", &LabelSelector{MatchLabels: map[string]string{"app": ""}}, "app="},
		{"spaces", " app = web , tier != db ", &LabelSelector{
			MatchLabels:      map[string]string{"app": "web"},
			MatchExpressions: []LabelSelectorRequirement{{Key: "tier", Operator: SelectorOpNotIn, Values: []string{"db"}}},
		}, "app=web,tier!=db"},
		{"brief example", "a=b,c!=d,e in (x,y),!f", &LabelSelector{
			MatchLabels: map[string]string{"a": "b"},
			MatchExpressions: []LabelSelectorRequirement{
				{Key: "c", Operator: SelectorOpNotIn, Values: []string{"d"}},
				{Key: "e", Operator: SelectorOpIn, Values: []string{"x", "y"}},
				{Key: "f", Operator: SelectorOpDoesNotExist},
			},
		}, "a=b,c!=d,e in (x,y),!f"},
		{"notin and exists", "env notin (dev, test),canary", &LabelSelector{
			MatchExpressions: []LabelSelectorRequirement{
				{Key: "env", Operator: SelectorOpNotIn, Values: []string{"dev", "test"}},
				{Key: "canary", Operator: SelectorOpExists},
			},
		}, "env notin (dev,test),canary"},
		{"prefixed key", "app.kubernetes.io/name=web", &LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "web"}}, "app.kubernetes.io/name=web"},
		{"same key twice", "a=b,a=c", &LabelSelector{
			MatchLabels:      map[string]string{"a": "b"},
			MatchExpressions: []LabelSelectorRequirement{{Key: "a", Operator: SelectorOpIn, Values: []string{"c"}}},
		}, "a=b,a=c"},
		{"in with one value", "a in (x)", &LabelSelector{MatchLabels: map[string]string{"a": "x"}}, "a=x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSelector(tt.in)
			if err != nil {
				t.Fatalf("ParseSelector(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseSelector(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if s := got.String(); s != tt.wantStr {
				t.Errorf("String() = %q, want %q", s, tt.wantStr)
			}
		})
	}
}

func TestParseSelectorErrors(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"a=b c", "want ',' between requirements"},
		{"a>1", "want '=', '==', '!=', 'in' or 'notin' after \"a\""},
		{"a in x", "want '(' after \"in\""},
		{"a in (x", "want ',' or ')' in value list"},
		{"a in ()", "value list may not be empty"},
		{"a=b,", "want a label key"},
		{",a=b", "want a label key"},
		{"!", "want a label key after '!'"},
		{"a=(b)", "unexpected \"(\""},
		{"A B=c", "want '=', '==', '!=', 'in' or 'notin' after \"A\", got \"B\""},
		{"-a=b", `key "-a"`},
		{"a=-b", `value "-b"`},
		{"a=b=c", `unexpected "="`},
		{"a!b", `want '=', '==', '!=', 'in' or 'notin' after "a", got "!"`},
		{"a in (" + strings.Repeat("x", 64) + ")", "value \"xxxx"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSelector(tt.in)
			if err == nil {
				t.Fatalf("ParseSelector(%q) = %v, want an error containing %q", tt.in, got, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "invalid selector") {
				t.Errorf("ParseSelector(%q) error = %q, want it to contain %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestSelectorMatches(t *testing.T) {
	labels := map[string]string{"app": "web", "tier": "frontend", "empty": ""}
	tests := []struct {
		sel  string
		want bool
	}{
		{"", true},
		{"app=web", true},
		{"app=db", false},
		{"app!=db", true},
		{"missing!=x", true},
		{"tier in (frontend,backend)", true},
		{"tier notin (frontend)", false},
		{"missing notin (x)", true},
		{"missing in (x)", false},
		{"app", true},
		{"missing", false},
		{"!missing", true},
		{"!app", false},
		{"empty=", true},
		{"empty", true},
		{"app=web,tier=backend", false},
	}
	for _, tt := range tests {
		t.Run(tt.sel, func(t *testing.T) {
			s, err := ParseSelector(tt.sel)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Matches(labels); got != tt.want {
				t.Errorf("%q.Matches(%v) = %t, want %t", tt.sel, labels, got, tt.want)
			}
		})
	}
	var nilSel *LabelSelector
	if nilSel.Matches(labels) {
		t.Errorf("nil selector matches, want no match")
	}
	bad := &LabelSelector{MatchExpressions: []LabelSelectorRequirement{{Key: "app", Operator: "Like"}}}
	if bad.Matches(labels) {
		t.Errorf("selector with unknown operator matches, want no match")
	}
	m := map[string]string{"app": "web"}
	s := SelectorFromMap(m)
	m["app"] = "changed"
	if !s.Matches(map[string]string{"app": "web"}) {
		t.Errorf("SelectorFromMap shares the caller's map, want a copy")
	}
}

func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{"", "a=b,c!=d,e in (x,y),!f", "app.kubernetes.io/name==web", "x notin (a, b ,c), y", "a in ()", "a=b=c", "!!a", "a=,b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := ParseSelector(s)
		if err != nil {
			return
		}
		out := sel.String()
		again, err := ParseSelector(out)
		if err != nil {
			t.Fatalf("ParseSelector(%q).String() = %q, which does not parse: %v", s, out, err)
		}
		if diff := cmp.Diff(sel, again); diff != "" {
			t.Fatalf("%q -> %q parses differently (-first +second):\n%s", s, out, diff)
		}
		var e errs
		validateLabelSelector(&e, "selector", sel)
		if len(e.list) > 0 {
			t.Fatalf("ParseSelector(%q) accepted a selector Validate rejects: %v", s, e.list)
		}
		sel.Matches(map[string]string{"a": "b"})
	})
}
