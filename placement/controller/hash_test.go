package controller

import (
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func TestTemplateHash(t *testing.T) {
	a := template("web", "nginx:1.27")
	b := template("web", "nginx:1.28")
	withHashLabel := template("web", "nginx:1.27")
	withHashLabel.Labels[api.LabelPodTemplateHash] = "x"
	tests := []struct {
		name string
		got  string
		want string
	}{
		// Names of ReplicaSets and revisions depend on it: changing the
		// function would roll every workload on upgrade.
		{"pinned value", TemplateHash(&a), "7997cd694"},
		{"equal templates", TemplateHash(&a), TemplateHash(ptr(template("web", "nginx:1.27")))},
		{"hash label ignored for matching", templateHash(canonicalTemplate(&withHashLabel, api.LabelPodTemplateHash), 0), TemplateHash(&a)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
	t.Run("different templates", func(t *testing.T) {
		if TemplateHash(&a) == TemplateHash(&b) {
			t.Errorf("got the same hash %q for different images", TemplateHash(&a))
		}
	})
	t.Run("collision alternatives differ", func(t *testing.T) {
		c := canonicalTemplate(&a, "")
		if templateHash(c, 0) == templateHash(c, 1) {
			t.Errorf("got the same hash for collision counts 0 and 1")
		}
	})
	t.Run("does not modify the template", func(t *testing.T) {
		canonicalTemplate(&withHashLabel, api.LabelPodTemplateHash)
		if withHashLabel.Labels[api.LabelPodTemplateHash] != "x" {
			t.Errorf("got labels %v, want the hash label kept", withHashLabel.Labels)
		}
	})
}

func TestGeneratedName(t *testing.T) {
	tests := []struct {
		name, base, seed string
		wantLen          int
	}{
		{"short", "web-7997cd694", "uid/0", len("web-7997cd694-") + 5},
		{"long base is cut to a DNS label", strings.Repeat("a", 80), "uid/1", 63},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := generatedName(tt.base, tt.seed)
			if len(got) != tt.wantLen {
				t.Errorf("got %q (%d chars), want %d chars", got, len(got), tt.wantLen)
			}
			if got != generatedName(tt.base, tt.seed) {
				t.Errorf("got different names for the same seed")
			}
			for _, c := range got[len(got)-5:] {
				if !strings.ContainsRune(safeAlphabet, c) {
					t.Errorf("suffix of %q has %q, want only %s", got, c, safeAlphabet)
				}
			}
		})
	}
}
