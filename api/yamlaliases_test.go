package api

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// laughs is a "billion laughs" ConfigMap: level 0 is leaf, and each of
// the next levels is a list of width aliases to the level before, so the
// last level expands to width^levels copies of leaf.
func laughs(levels, width int, leaf string) []byte {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\n  annotations:\n")
	fmt.Fprintf(&b, "    l0: &l0 %q\n", leaf)
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "    l%d: &l%d [", i, i)
		for j := range width {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]\n")
	}
	return []byte(b.String())
}

func TestDecodeAliasBound(t *testing.T) {
	bigLeaf := strings.Repeat("x", 100_000)
	tests := []struct {
		name    string
		input   []byte
		wantErr string // substring; "" means the document decodes
	}{
		{"billion laughs", laughs(9, 10, "lol"), "YAML aliases expand too far: they add 1234567800 nodes to the document, at most 10000 are allowed"},
		{"127 KB of laughs", laughs(9, 10, strings.Repeat("lol", 42_000)), "YAML aliases expand too far"},
		{"deep chain of doubling", laughs(60, 2, "lol"), "they add more than 10^15 nodes"},
		{"one big string aliased 50 times", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  annotations:\n    a: &a " + bigLeaf + "\n    b: [" + strings.TrimSuffix(strings.Repeat("*a, ", 50), ", ") + "]\n"), "they make 5100053 bytes of values, at most 4194304 are allowed"},
		{"alias inside its own anchor", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: self\n  labels: *m\n"), "alias *m at line 5 refers to its own anchor"},
		{"shared labels are fine", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n  labels: &l {app: web, tier: front}\n  annotations: *l\n"), ""},
		{"star in a string is not an alias", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: star}\ndata: {glob: \"*.txt\"}\n"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.input)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestDecodeAliasBombMemory decodes a 127 KB billion-laughs manifest (it
// would expand to about 10^9 × 126 KB) and checks that refusing it
// allocates little: the parse tree of the document, not its expansion.
func TestDecodeAliasBombMemory(t *testing.T) {
	bomb := laughs(9, 10, strings.Repeat("lol", 42_000))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := Decode(bomb)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrAliasExpansion) {
		t.Fatalf("got error %v, want ErrAliasExpansion", err)
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d-byte alias bomb refused in %v; allocated %d KiB, heap in use %d KiB before, %d KiB after", len(bomb), took, allocated>>10, before.HeapInuse>>10, after.HeapInuse>>10)
	if limit := uint64(16 << 20); allocated > limit {
		t.Errorf("got %d bytes allocated refusing the bomb, want at most %d", allocated, limit)
	}
}
