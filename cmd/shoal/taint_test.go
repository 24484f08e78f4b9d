package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTaintArgs(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantNode string
		want     []string
		wantErr  string
	}{
		{"node NAME change", []string{"node", "n2", "a=b:NoSchedule"}, "n2", []string{"a=b:NoSchedule"}, ""},
		{"nodes alias, several", []string{"nodes", "n2", "a=b:NoSchedule", "c:NoExecute-"}, "n2", []string{"a=b:NoSchedule", "c:NoExecute-"}, ""},
		{"node/NAME", []string{"node/n2", "a-"}, "n2", []string{"a-"}, ""},
		{"other kind", []string{"pod", "web", "a=b:NoSchedule"}, "", nil, "only nodes have taints"},
		{"no name", []string{"node"}, "", nil, "node name required"},
		{"no changes", []string{"node/n2"}, "", nil, "no taints given"},
		{"bad change", []string{"node", "n2", "a=b"}, "", nil, `taint "a=b": effect required`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node, changes, err := taintArgs(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if node != tt.wantNode {
				t.Errorf("got node %q, want %q", node, tt.wantNode)
			}
			if diff := cmp.Diff(tt.want, changes); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
		})
	}
}
