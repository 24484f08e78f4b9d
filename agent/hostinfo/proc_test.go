package hostinfo

import (
	"strings"
	"testing"
)

const meminfoSample = `MemTotal:       24684084 kB
MemFree:        23617120 kB
MemAvailable:   24118148 kB
Buffers:           20644 kB
Cached:           662188 kB
SwapCached:            0 kB
HugePages_Total:       0
Hugepagesize:       2048 kB
`

func TestParseMeminfo(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    meminfo
		wantErr string
	}{
		{"kernel with MemAvailable", meminfoSample, meminfo{Total: 24684084 * 1024, Available: 24118148 * 1024}, ""},
		{"old kernel estimates available",
			"MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 20 kB\nCached: 300 kB\n",
			meminfo{Total: 1000 * 1024, Available: 420 * 1024}, ""},
		{"estimate capped at total",
			"MemTotal: 1000 kB\nMemFree: 900 kB\nBuffers: 200 kB\nCached: 300 kB\n",
			meminfo{Total: 1000 * 1024, Available: 1000 * 1024}, ""},
		{"no MemTotal", "MemFree: 1 kB\nMemAvailable: 1 kB\n", meminfo{}, "no MemTotal"},
		{"no MemAvailable nor MemFree", "MemTotal: 1 kB\n", meminfo{}, "neither MemAvailable nor MemFree"},
		{"bad number", "MemTotal: lots kB\n", meminfo{}, `malformed line "MemTotal: lots kB"`},
		{"unknown unit", "MemTotal: 1 MB\nMemAvailable: 1 kB\n", meminfo{}, `unknown unit in "MemTotal: 1 MB"`},
		{"empty", "", meminfo{}, "no MemTotal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMeminfo(strings.NewReader(tt.in))
			checkErr(t, err, tt.wantErr)
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseCPUTimes(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    cpuTimes
		wantErr string
	}{
		{"modern kernel, guest columns ignored",
			"cpu  16459 1 4688 146901 185 2 65 21 7 8\ncpu0 8130 0 2227 73734 39 0 7 9 0 0\nintr 1 2 3\n",
			cpuTimes{User: 16459, Nice: 1, System: 4688, Idle: 146901, IOWait: 185, IRQ: 2, SoftIRQ: 65, Steal: 21}, ""},
		{"old kernel with four counters", "cpu 10 20 30 40\n", cpuTimes{User: 10, Nice: 20, System: 30, Idle: 40}, ""},
		{"aggregate line after others", "intr 5\ncpu0 1 1 1 1\ncpu 2 2 2 2\n", cpuTimes{User: 2, Nice: 2, System: 2, Idle: 2}, ""},
		{"per-cpu lines only", "cpu0 1 2 3 4\n", cpuTimes{}, "no aggregate cpu line"},
		{"too few counters", "cpu 1 2 3\n", cpuTimes{}, "cpu line has 3 counters, want at least 4"},
		{"bad counter", "cpu 1 2 x 4\n", cpuTimes{}, "cpu counter 3"},
		{"empty", "", cpuTimes{}, "no aggregate cpu line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCPUTimes(strings.NewReader(tt.in))
			checkErr(t, err, tt.wantErr)
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestIdleMillicores(t *testing.T) {
	base := cpuTimes{User: 1000, System: 500, Idle: 5000, IOWait: 100}
	add := func(c cpuTimes, user, idle, iowait, steal uint64) cpuTimes {
		c.User += user
		c.Idle += idle
		c.IOWait += iowait
		c.Steal += steal
		return c
	}
	tests := []struct {
		name     string
		prev     cpuTimes
		cur      cpuTimes
		capacity int64
		want     int64
		wantOK   bool
	}{
		{"half idle on two cores", base, add(base, 100, 100, 0, 0), 2000, 1000, true},
		{"fully busy", base, add(base, 200, 0, 0, 0), 4000, 0, true},
		{"fully idle", base, add(base, 0, 200, 0, 0), 4000, 4000, true},
		{"iowait counts as idle", base, add(base, 100, 50, 50, 0), 2000, 1000, true},
		{"steal counts as busy", base, add(base, 0, 100, 0, 100), 2000, 1000, true},
		{"since boot", cpuTimes{}, base, 1000, 773, true}, // 5100 / 6600 = 0.7727
		{"counter went back: since boot", add(base, 1, 0, 0, 0), base, 1000, 773, true},
		{"no time passed", base, base, 2000, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := idleMillicores(tt.prev, tt.cur, tt.capacity)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %d, %v; want %d, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("got error %v, want none", err)
	case want != "" && err == nil:
		t.Fatalf("got no error, want one containing %q", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Fatalf("got error %q, want one containing %q", err, want)
	}
}
