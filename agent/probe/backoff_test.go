package probe

import (
	"math"
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	def := DefaultBackoff()
	tests := []struct {
		name    string
		b       Backoff
		restart int32
		lastRun time.Duration
		want    time.Duration
	}{
		{"first start", def, 0, 0, 0},
		{"negative count is a first start", def, -1, 0, 0},
		{"first restart", def, 1, time.Second, 10 * time.Second},
		{"second restart doubles", def, 2, time.Second, 20 * time.Second},
		{"third restart", def, 3, time.Second, 40 * time.Second},
		{"fifth restart", def, 5, time.Second, 160 * time.Second},
		{"sixth restart capped", def, 6, time.Second, 5 * time.Minute},
		{"huge count stays capped", def, math.MaxInt32, time.Second, 5 * time.Minute},
		{"run just short of reset", def, 5, 10*time.Minute - time.Second, 160 * time.Second},
		{"run long enough resets", def, 5, 10 * time.Minute, 10 * time.Second},
		{"reset disabled", Backoff{Initial: time.Second, Max: 8 * time.Second}, 3, 24 * time.Hour, 4 * time.Second},
		{"zero initial never waits", Backoff{Max: time.Minute}, 4, 0, 0},
		{"max below initial is initial", Backoff{Initial: time.Second}, 4, 0, time.Second},
		{"cap between doublings", Backoff{Initial: 3 * time.Second, Max: 10 * time.Second}, 3, 0, 10 * time.Second},
		{"huge initial does not overflow", Backoff{Initial: math.MaxInt64 / 3, Max: math.MaxInt64}, 40, 0, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.b.Delay(tt.restart, tt.lastRun); got != tt.want {
				t.Errorf("Delay(%d, %s): got %s, want %s", tt.restart, tt.lastRun, got, tt.want)
			}
		})
	}
}

func TestBackoffValidate(t *testing.T) {
	tests := []struct {
		name    string
		b       Backoff
		wantErr string
	}{
		{"default", DefaultBackoff(), ""},
		{"zero", Backoff{}, ""},
		{"negative initial", Backoff{Initial: -time.Second, Max: time.Second}, "back-off initial must not be negative, got -1s"},
		{"negative reset", Backoff{ResetAfter: -time.Second}, "back-off reset after must not be negative, got -1s"},
		{"max below initial", Backoff{Initial: time.Minute, Max: time.Second}, "back-off max 1s is below initial 1m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.b.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Errorf("got %q, want %q", got, tt.wantErr)
			}
		})
	}
}
