package pods

import (
	"strings"
	"testing"
)

func TestParseEvictionHard(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string // the thresholds written back
		wantErr string
	}{
		{name: "kubelet default", in: DefaultEvictionHard, want: "imagefs.available<15%,nodefs.available<10%"},
		{name: "bytes", in: "nodefs.available<512Mi", want: "nodefs.available<512Mi"},
		{name: "decimal bytes", in: "imagefs.available<2G", want: "imagefs.available<2G"},
		{name: "fraction of a percent", in: "nodefs.available<2.5%", want: "nodefs.available<2.5%"},
		{name: "spaces around statements", in: " nodefs.available<10% , imagefs.available<1Gi ", want: "imagefs.available<1Gi,nodefs.available<10%"},
		{name: "empty is none", in: "", want: ""},
		{name: "unknown signal", in: "memory.available<100Mi", wantErr: `unknown signal "memory.available" (Shoal watches nodefs.available and imagefs.available)`},
		{name: "inodes are not watched", in: "nodefs.inodesFree<5%", wantErr: `unknown signal "nodefs.inodesFree"`},
		{name: "no operator", in: "nodefs.available=10%", wantErr: `eviction threshold "nodefs.available=10%": want SIGNAL<VALUE`},
		{name: "greater than", in: "nodefs.available>10%", wantErr: "want SIGNAL<VALUE"},
		{name: "two operators", in: "nodefs.available<<10%", wantErr: "want SIGNAL<VALUE"},
		{name: "less or equal", in: "nodefs.available<=10%", wantErr: "want SIGNAL<VALUE"},
		{name: "no signal", in: "<10%", wantErr: "no signal"},
		{name: "no value", in: "nodefs.available<", wantErr: "no value"},
		{name: "empty statement", in: "nodefs.available<10%,", wantErr: `eviction threshold "": want SIGNAL<VALUE`},
		{name: "signal twice", in: "nodefs.available<10%,nodefs.available<1Gi", wantErr: "nodefs.available is given twice"},
		{name: "zero percent", in: "nodefs.available<0%", wantErr: "0% is out of range, want more than 0% and less than 100%"},
		{name: "hundred percent", in: "nodefs.available<100%", wantErr: "100% is out of range"},
		{name: "negative percent", in: "nodefs.available<-5%", wantErr: "-5% is out of range"},
		{name: "not a percentage", in: "nodefs.available<ten%", wantErr: `"ten%" is not a percentage`},
		{name: "hex percentage", in: "nodefs.available<0x10%", wantErr: "is not a percentage"},
		{name: "NaN percentage", in: "nodefs.available<NaN%", wantErr: "is not a percentage"},
		{name: "infinite percentage", in: "nodefs.available<Inf%", wantErr: "out of range"},
		{name: "zero bytes", in: "nodefs.available<0", wantErr: "0 must be more than 0"},
		{name: "negative bytes", in: "nodefs.available<-1Gi", wantErr: "-1Gi must be more than 0"},
		{name: "bad quantity", in: "nodefs.available<lots", wantErr: `invalid quantity "lots"`},
		{name: "too long", in: strings.Repeat("nodefs.available<10%,", 20), wantErr: "at most 256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEvictionHard(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseEvictionHard(%q): got %v, %v; want an error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseEvictionHard(%q): got error %v, want %q", tt.in, err, tt.want)
			}
			if got.String() != tt.want {
				t.Fatalf("ParseEvictionHard(%q): got %q, want %q", tt.in, got.String(), tt.want)
			}
		})
	}
}

func TestNodeFSMinFree(t *testing.T) {
	const gi, mi = int64(1) << 30, int64(1) << 20
	tests := []struct {
		name     string
		flag     string
		capacity int64
		want     int64
	}{
		{name: "10% of a large disk", flag: DefaultEvictionHard, capacity: 100 * gi, want: 10 * gi},
		{name: "Raft's reserve beats 10% of 4Gi", flag: DefaultEvictionHard, capacity: 4 * gi, want: 512 * mi},
		{name: "reserve capped at 20% of a small filesystem", flag: DefaultEvictionHard, capacity: 200 * mi, want: 40 * mi},
		{name: "bytes threshold", flag: "nodefs.available<2Gi", capacity: 100 * gi, want: 2 * gi},
		{name: "reserve without a nodefs threshold", flag: "imagefs.available<15%", capacity: 100 * gi, want: 512 * mi},
		{name: "reserve with no thresholds at all", flag: "", capacity: 100 * gi, want: 512 * mi},
		{name: "a tiny threshold does not lower the reserve", flag: "nodefs.available<1Mi", capacity: 100 * gi, want: 512 * mi},
		{name: "percent rounds up", flag: "nodefs.available<10%", capacity: 10*gi + 5, want: gi + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := ParseEvictionHard(tt.flag)
			if err != nil {
				t.Fatal(err)
			}
			if got := ts.NodeFSMinFree(tt.capacity); got != tt.want {
				t.Fatalf("NodeFSMinFree(%d) with %q: got %d, want %d", tt.capacity, tt.flag, got, tt.want)
			}
		})
	}
}

// FuzzParseEvictionHard checks that no input panics, that an accepted
// one holds only known signals, each once, with a value in range, and
// that what it writes back parses to the same thresholds.
func FuzzParseEvictionHard(f *testing.F) {
	for _, s := range []string{DefaultEvictionHard, "nodefs.available<512Mi", "imagefs.available<2.5%", "", "<", "nodefs.available<1e3", "x<1%,y<2%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := ParseEvictionHard(s)
		if err != nil {
			return
		}
		seen := map[Signal]bool{}
		for _, th := range ts {
			if th.Signal != SignalNodeFS && th.Signal != SignalImageFS {
				t.Fatalf("%q: accepted signal %q", s, th.Signal)
			}
			if seen[th.Signal] {
				t.Fatalf("%q: signal %s twice", s, th.Signal)
			}
			seen[th.Signal] = true
			if (th.Percent > 0) == (th.Bytes > 0) || th.Percent < 0 || th.Percent >= 100 || th.Bytes < 0 {
				t.Fatalf("%q: accepted %+v", s, th)
			}
		}
		again, err := ParseEvictionHard(ts.String())
		if err != nil {
			t.Fatalf("%q written back as %q does not parse: %v", s, ts.String(), err)
		}
		if again.String() != ts.String() {
			t.Fatalf("%q: got %q after a round trip, want %q", s, again.String(), ts.String())
		}
	})
}
