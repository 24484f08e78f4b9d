package main

import (
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func TestWatchFilter(t *testing.T) {
	sel, err := api.ParseSelector("app=web")
	if err != nil {
		t.Fatal(err)
	}
	cm := func(name string, labels map[string]string) api.Object {
		return &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: name, Labels: labels}}
	}
	tests := []struct {
		name   string
		filter watchFilter
		obj    api.Object
		want   bool
	}{
		{"no filter", watchFilter{}, cm("a", nil), true},
		{"named", watchFilter{names: []string{"a", "b"}}, cm("b", nil), true},
		{"not named", watchFilter{names: []string{"a"}}, cm("b", nil), false},
		{"selector matches", watchFilter{selector: sel}, cm("a", map[string]string{"app": "web"}), true},
		{"selector does not match", watchFilter{selector: sel}, cm("a", map[string]string{"app": "db"}), false},
		{"named but not selected", watchFilter{names: []string{"a"}, selector: sel}, cm("a", nil), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.filter.matches(tt.obj); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
