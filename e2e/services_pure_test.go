package e2e

import (
	"math"
	"testing"
	"time"
)

// The service tests' pure helpers, checked without a cluster.

func TestMentions(t *testing.T) {
	for _, tc := range []struct {
		name, rules, ip string
		want            bool
	}{
		{"in a set element", "elements = { 10.43.0.10 . tcp . 80 : goto svc-X }", "10.43.0.10", true},
		{"in a chain name", "chain ep-K3JX-default/web/tcp/80/10.42.1.5/8080 {", "10.42.1.5", true},
		{"longer address", "dnat to 10.42.1.50:8080", "10.42.1.5", false},
		{"prefix of another", "ip daddr 110.42.1.5 accept", "10.42.1.5", false},
		{"absent", "table ip shoal {}", "10.42.1.5", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mentions(tc.rules, tc.ip); got != tc.want {
				t.Errorf("mentions(%q, %s) = %v, want %v", tc.rules, tc.ip, got, tc.want)
			}
		})
	}
}

func TestParseTable(t *testing.T) {
	out := "NAME      ENDPOINTS                                               AGE\n" +
		"web       10.42.0.5:8080,10.42.1.5:8080,10.42.2.5:8080 + 3 more...   5s\n" +
		"empty     <none>                                                  5s\n"
	tb := parseTable(out)
	if got, want := tb.header, []string{"NAME", "ENDPOINTS", "AGE"}; len(got) != 3 || got[0] != want[0] || got[2] != want[2] {
		t.Fatalf("header %v, want %v", got, want)
	}
	for name, want := range map[string]string{"web": "10.42.0.5:8080,10.42.1.5:8080,10.42.2.5:8080 + 3 more...", "empty": "<none>"} {
		if got := tb.rows[name]["ENDPOINTS"]; got != want {
			t.Errorf("row %s ENDPOINTS %q, want %q", name, got, want)
		}
		if got := tb.rows[name]["AGE"]; got != "5s" {
			t.Errorf("row %s AGE %q, want 5s", name, got)
		}
	}
}

func TestSameSet(t *testing.T) {
	for _, tc := range []struct {
		list string
		want []string
		same bool
	}{
		{"a,b,c", []string{"c", "a", "b"}, true},
		{"a,b", []string{"a", "b", "c"}, false},
		{"a,b,b", []string{"a", "b"}, false},
		{"<pending>", []string{"a"}, false},
	} {
		if got := sameSet(tc.list, tc.want); got != tc.same {
			t.Errorf("sameSet(%q, %v) = %v, want %v", tc.list, tc.want, got, tc.same)
		}
	}
}

func TestHistogramQuantile(t *testing.T) {
	before := histogram{0.001: 1, 0.01: 1, 0.1: 1, math.Inf(1): 1}
	after := histogram{0.001: 1, 0.01: 6, 0.1: 10, math.Inf(1): 11}
	d := after.minus(before)
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{
		{0.5, 10 * time.Millisecond},
		{0.6, 100 * time.Millisecond},
		{0.99, -1}, // in the +Inf bucket
	} {
		got, n := d.quantile(tc.q)
		if got != tc.want || n != 10 {
			t.Errorf("quantile(%v) = %v over %d, want %v over 10", tc.q, got, n, tc.want)
		}
	}
	if got, n := (histogram{}).quantile(0.5); got != 0 || n != 0 {
		t.Errorf("empty histogram: %v over %d, want 0 over 0", got, n)
	}
}
