package api

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeChecked(t *testing.T) {
	refuseNamed := func(name string) func([]Object) []error {
		return func(objs []Object) []error {
			out := make([]error, len(objs))
			for i, o := range objs {
				if o.GetObjectMeta().Name == name {
					out[i] = errors.New("namespace \"nope\" does not exist")
				}
			}
			return out
		}
	}
	cm := func(name string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + "}\n"
	}
	tests := []struct {
		name    string
		input   string
		check   func([]Object) []error
		want    string // the whole error, "" for none
		wantObj int
	}{
		{"no check", cm("a"), nil, "", 1},
		{"check passes", cm("a") + "---\n" + cm("b"), refuseNamed("zzz"), "", 2},
		{
			name:  "check error names the document",
			input: cm("a") + "---\n" + cm("b"),
			check: refuseNamed("b"),
			want:  `document 2 (ConfigMap "b"): namespace "nope" does not exist`,
		},
		{
			name:  "check and decode errors in one round, in document order",
			input: cm("b") + "---\n" + cm("a") + "datta: {}\n" + "---\n" + cm("c"),
			check: refuseNamed("b"),
			want: `document 1 (ConfigMap "b"): namespace "nope" does not exist` + "\n" +
				`document 2 (ConfigMap "a"): unknown field "datta" (did you mean "data"?)`,
		},
		{
			name:  "item of a List",
			input: `{"kind": "List", "items": [` + minimalConfigMap + `]}`,
			check: refuseNamed("a"),
			want:  `document 1, item 1 (ConfigMap "a"): namespace "nope" does not exist`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := DecodeChecked([]byte(tt.input), tt.check)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("error:\ngot  %q\nwant %q", got, tt.want)
			}
			if len(objs) != tt.wantObj {
				t.Errorf("got %d objects, want %d", len(objs), tt.wantObj)
			}
			if tt.want != "" && !strings.Contains(got, "document") {
				t.Errorf("error %q names no document", got)
			}
		})
	}
}
