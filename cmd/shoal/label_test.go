package main

import (
	"sort"
	"strings"
	"testing"
)

func TestParseMetadataArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    string // "Kind name k=v k-" (sorted) or the error
		wantErr bool
	}{
		{"kind name", []string{"pods", "web", "tier=front"}, "Pod web tier=front", false},
		{"kind/name", []string{"deploy/web", "tier=front", "old-"}, "Deployment web old- tier=front", false},
		{"empty value", []string{"no", "n1", "disk="}, "Node n1 disk=", false},
		{"value with equals", []string{"cm", "a", "note=a=b"}, "ConfigMap a note=a=b", false},
		{"no changes", []string{"deploy/web"}, "want at least one KEY=VALUE", true},
		{"bad change", []string{"deploy/web", "tier"}, `"tier": want KEY=VALUE to set or KEY- to remove`, true},
		{"empty key", []string{"deploy/web", "=x"}, `"=x": the key is empty`, true},
		{"unknown kind", []string{"widgets", "a", "x=y"}, `unknown kind "widgets"`, true},
		{"empty name", []string{"deploy/", "x=y"}, "name is empty", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, name, changes, err := parseMetadataArgs(tt.args)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("got error %v, want one containing %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			for k, v := range changes {
				if v == nil {
					parts = append(parts, k+"-")
				} else {
					parts = append(parts, k+"="+*v)
				}
			}
			sort.Strings(parts)
			if got := kind.Name + " " + name + " " + strings.Join(parts, " "); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
