package api

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestParseQuantity(t *testing.T) {
	tests := []struct {
		in        string
		wantMilli int64
		wantStr   string
	}{
		{"0", 0, "0"},
		{"1", 1000, "1"},
		{"250m", 250, "250m"},
		{"1000m", 1000, "1"},
		{"1500m", 1500, "1500m"},
		{"0.5", 500, "500m"},
		{".5", 500, "500m"},
		{"5.", 5000, "5"},
		{"+2", 2000, "2"},
		{"-1", -1000, "-1"},
		{"-250m", -250, "-250m"},
		{"100k", 100_000_000, "100k"},
		{"1000", 1_000_000, "1k"},
		{"1G", 1_000_000_000_000, "1G"},
		{"1.5G", 1_500_000_000_000, "1500M"},
		{"64Mi", 64 << 20 * 1000, "64Mi"},
		{"1Gi", 1 << 30 * 1000, "1Gi"},
		{"1024Mi", 1 << 30 * 1000, "1Gi"},
		{"1.5Gi", 1536 << 20 * 1000, "1536Mi"},
		{"2Ti", 2 << 40 * 1000, "2Ti"},
		{"1Ki", 1024_000, "1Ki"},
		{"0.5Ki", 512_000, "512"},
		{"1e3", 1_000_000, "1e3"},
		{"1E3", 1_000_000, "1e3"},
		{"1e-3", 1, "1e-3"},
		{"1500e-3", 1500, "1500e-3"},
		{"15e2", 1_500_000, "1500"},
		{"12e6", 12_000_000_000, "12e6"},
		{"1e+3", 1_000_000, "1e3"},
		{"8Pi", 8 << 50 * 1000, "8Pi"},
		{"1P", 1_000_000_000_000_000_000, "1P"},
		{"0.001", 1, "1m"},
		{"0Gi", 0, "0"},
		{"0e3", 0, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q, err := ParseQuantity(tt.in)
			if err != nil {
				t.Fatalf("ParseQuantity(%q): %v", tt.in, err)
			}
			if got := q.MilliValue(); got != tt.wantMilli {
				t.Errorf("MilliValue() = %d, want %d", got, tt.wantMilli)
			}
			if got := q.String(); got != tt.wantStr {
				t.Errorf("String() = %q, want %q", got, tt.wantStr)
			}
			again, err := ParseQuantity(q.String())
			if err != nil || again != q {
				t.Errorf("ParseQuantity(%q) = %#v, %v; want %#v", q.String(), again, err, q)
			}
		})
	}
}

func TestParseQuantityErrors(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"", `invalid quantity "": empty`},
		{"12XB", `invalid quantity "12XB": unknown suffix "XB"`},
		{"1.2.3", `invalid quantity "1.2.3": unknown suffix ".3"`},
		{"abc", `invalid quantity "abc": want a number`},
		{"-", `invalid quantity "-": want a number`},
		{".", `invalid quantity ".": want a number`},
		{"1 Gi", `unknown suffix " Gi"`},
		{" 1", `want a number`},
		{"1e", `unknown suffix "e"`},
		{"1e1.5", `unknown suffix "e1.5"`},
		{"1ki", `unknown suffix "ki"`},
		{"1KI", `unknown suffix "KI"`},
		{"0.0001", `more precise than 1m`},
		{"0.1m", `more precise than 1m`},
		{"1E", `out of range`},
		{"10P", `out of range`},
		{"8Ei", `out of range`},
		{"1e999", `exponent out of range`},
		{"1e99999999999999999999", `exponent out of range`},
		{strings.Repeat("1", 65), `longer than 64 characters`},
		{"9223372036854776", `out of range`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseQuantity(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseQuantity(%q) error = %v, want it to contain %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestQuantityValue(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"1", 1}, {"250m", 1}, {"1001m", 2}, {"0", 0}, {"-250m", 0}, {"-1500m", -1}, {"64Mi", 64 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := MustParseQuantity(tt.in).Value(); got != tt.want {
				t.Errorf("Value() = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestQuantityArithmetic(t *testing.T) {
	a, b := MustParseQuantity("1500m"), MustParseQuantity("500m")
	if got := a.Add(b).String(); got != "2" {
		t.Errorf("1500m + 500m = %s, want 2", got)
	}
	if got := b.Sub(a).String(); got != "-1" {
		t.Errorf("500m - 1500m = %s, want -1", got)
	}
	if got := a.Cmp(b); got != 1 {
		t.Errorf("Cmp = %d, want 1", got)
	}
	if !MustParseQuantity("1Gi").Equal(MustParseQuantity("1073741824")) {
		t.Errorf("1Gi and 1073741824 are not Equal, want Equal")
	}
	huge := NewMilliQuantity(math.MaxInt64, DecimalSI)
	if got := huge.Add(huge).MilliValue(); got != math.MaxInt64 {
		t.Errorf("saturating add = %d, want %d", got, int64(math.MaxInt64))
	}
	if got := NewQuantity(math.MaxInt64, DecimalSI).MilliValue(); got != math.MaxInt64 {
		t.Errorf("NewQuantity(max) = %d, want saturation at %d", got, int64(math.MaxInt64))
	}
	if got := NewQuantity(2, BinarySI).String(); got != "2" {
		t.Errorf("NewQuantity(2, BinarySI) = %s, want 2", got)
	}
	if got := NewQuantity(2048, BinarySI).String(); got != "2Ki" {
		t.Errorf("NewQuantity(2048, BinarySI) = %s, want 2Ki", got)
	}
	var zero Quantity
	if got := zero.String(); got != "0" {
		t.Errorf("zero Quantity = %q, want 0", got)
	}
}

func TestQuantityJSON(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{`"250m"`, "250m"},
		{`0.5`, "500m"},
		{`2`, "2"},
		{`1e3`, "1e3"},
		{`"64Mi"`, "64Mi"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var q Quantity
			if err := json.Unmarshal([]byte(tt.in), &q); err != nil {
				t.Fatalf("Unmarshal(%s): %v", tt.in, err)
			}
			if q.String() != tt.want {
				t.Errorf("got %s, want %s", q, tt.want)
			}
			b, err := json.Marshal(q)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != `"`+tt.want+`"` {
				t.Errorf("Marshal = %s, want %q", b, tt.want)
			}
		})
	}
	for _, bad := range []string{`"12XB"`, `true`, `[1]`, `{}`} {
		var q Quantity
		if err := json.Unmarshal([]byte(bad), &q); err == nil {
			t.Errorf("Unmarshal(%s) = %s, want an error", bad, q)
		}
	}
	var rl ResourceList
	if err := json.Unmarshal([]byte(`{"cpu":"2","memory":"8Gi","pods":110}`), &rl); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(rl)
	if want := `{"cpu":"2","memory":"8Gi","pods":"110"}`; string(b) != want {
		t.Errorf("ResourceList JSON = %s, want %s", b, want)
	}
	if got := rl.Get(ResourceMemory).Value(); got != 8<<30 {
		t.Errorf("memory = %d, want %d", got, 8<<30)
	}
}

func FuzzParseQuantity(f *testing.F) {
	for _, s := range []string{"0", "250m", "0.5", "64Mi", "1Gi", "1G", "100k", "1e3", "2Ti", "-1.5e-3", "12XB", ".5", "1E", "0.0001", "+8Pi"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuantity(s)
		if err != nil {
			return
		}
		out := q.String()
		again, err := ParseQuantity(out)
		if err != nil {
			t.Fatalf("ParseQuantity(%q) = %s, which does not parse: %v", s, out, err)
		}
		if again != q {
			t.Fatalf("ParseQuantity(%q) = %#v; its String %q parses to %#v", s, q, out, again)
		}
		if again.String() != out {
			t.Fatalf("String not stable: %q -> %q -> %q", s, out, again.String())
		}
		var viaJSON Quantity
		b, _ := json.Marshal(q)
		if err := json.Unmarshal(b, &viaJSON); err != nil || viaJSON != q {
			t.Fatalf("JSON round trip of %q: got %#v, %v; want %#v", s, viaJSON, err, q)
		}
	})
}
