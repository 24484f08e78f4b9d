package main

import (
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

func TestDeleteOptions(t *testing.T) {
	tests := []struct {
		name      string
		grace     int64
		force     bool
		wantGrace int64 // -1: none sent
		wantWarn  bool
		wantErr   bool
	}{
		{"defaults: each pod's own", -1, false, -1, false, false},
		{"a grace period", 5, false, 5, false, false},
		{"0 without --force becomes 1", 0, false, 1, false, false},
		{"--force alone is immediate", -1, true, 0, true, false},
		{"--force --grace-period 0", 0, true, 0, true, false},
		{"--force with a grace period keeps it", 3, true, 3, false, false},
		{"below -1 is an error", -2, false, 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, warn, err := deleteOptions(tt.grace, tt.force)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			got := int64(-1)
			if opts.GracePeriodSeconds != nil {
				got = *opts.GracePeriodSeconds
			}
			if got != tt.wantGrace || warn != tt.wantWarn {
				t.Errorf("got grace %d warn %v, want %d and %v", got, warn, tt.wantGrace, tt.wantWarn)
			}
		})
	}
}

func TestPodStatusTerminating(t *testing.T) {
	ts := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	p := &api.Pod{Status: api.PodStatus{Phase: api.PodRunning}}
	if got := statusOf(p); got != "Running" {
		t.Errorf("got %q, want Running", got)
	}
	p.DeletionTimestamp = &ts
	if got := statusOf(p); got != "Terminating" {
		t.Errorf("got %q for a pod with deletionTimestamp, want Terminating", got)
	}
}
