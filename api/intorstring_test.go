package api

import (
	"encoding/json"
	"testing"
)

func TestIntOrStringJSON(t *testing.T) {
	tests := []struct {
		in   string
		want IntOrString
	}{
		{`8080`, FromInt32(8080)},
		{`"http"`, FromString("http")},
		{`"25%"`, FromString("25%")},
		{`"80"`, FromString("80")},
		{`-1`, FromInt32(-1)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var got IntOrString
			if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
			b, _ := json.Marshal(got)
			if string(b) != tt.in {
				t.Errorf("Marshal = %s, want %s", b, tt.in)
			}
		})
	}
	for _, bad := range []string{`1.5`, `true`, `{}`, `4294967296`, `1e3`} {
		var v IntOrString
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("Unmarshal(%s) = %#v, want an error", bad, v)
		}
	}
}

func TestIntOrStringScaledValue(t *testing.T) {
	tests := []struct {
		v       IntOrString
		total   int
		roundUp bool
		want    int
		wantErr bool
	}{
		{FromInt32(3), 10, false, 3, false},
		{FromString("25%"), 10, true, 3, false},
		{FromString("25%"), 10, false, 2, false},
		{FromString("100%"), 7, false, 7, false},
		{FromString("0%"), 7, true, 0, false},
		{FromString("25"), 10, false, 0, true},
		{FromString("x%"), 10, false, 0, true},
		{FromString("%"), 10, false, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.v.String(), func(t *testing.T) {
			got, err := tt.v.ScaledValue(tt.total, tt.roundUp)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ScaledValue error = %v, want error %t", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ScaledValue(%d, %t) = %d, want %d", tt.total, tt.roundUp, got, tt.want)
			}
		})
	}
}
