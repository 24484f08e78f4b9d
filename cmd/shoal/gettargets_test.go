package main

import (
	"strings"
	"testing"
)

func TestParseGetArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    string // "Kind[names] ..." or the error
		wantErr bool
	}{
		{"one kind", []string{"pods"}, "Pod[]", false},
		{"kind and name", []string{"deploy", "web"}, "Deployment[web]", false},
		{"kind and names", []string{"svc", "a", "b"}, "Service[a b]", false},
		{"several kinds", []string{"deploy,svc"}, "Deployment[] Service[]", false},
		{"several kinds once each", []string{"deploy,deployments,svc"}, "Deployment[] Service[]", false},
		{"kind/name", []string{"deploy/web"}, "Deployment[web]", false},
		{"kind/name of several kinds", []string{"deploy/web", "svc/web", "deployment/api"}, "Deployment[web api] Service[web]", false},
		{"all", []string{"all"}, "Pod[] Service[] DaemonSet[] Deployment[] ReplicaSet[] StatefulSet[]", false},
		{"unknown kind", []string{"widgets"}, `unknown kind "widgets"`, true},
		{"unknown kind in a list", []string{"deploy,widgets"}, `unknown kind "widgets"`, true},
		{"mixed forms", []string{"deploy/web", "web"}, `"web": want KIND/NAME`, true},
		{"empty name", []string{"deploy/"}, `"deploy/": want KIND/NAME`, true},
		{"no args", nil, "want a kind", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			targets, err := parseGetArgs(tt.args)
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
			for _, tg := range targets {
				parts = append(parts, tg.kind.Name+"["+strings.Join(tg.names, " ")+"]")
			}
			if got := strings.Join(parts, " "); !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
