package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/agent"
)

func TestRootVersionAndCompletion(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"--version", []string{"--version"}, "shoal " + agent.Version + "\n"},
		{"version verb", []string{"version"}, "shoal " + agent.Version + "\n"},
		{"bash completion", []string{"completion", "bash"}, "bash completion"},
		{"zsh completion", []string{"completion", "zsh"}, "compdef"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := newRoot()
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetArgs(tt.args)
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("got %q, want it to contain %q", truncateForTest(out.String()), tt.want)
			}
		})
	}
}

func truncateForTest(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}
