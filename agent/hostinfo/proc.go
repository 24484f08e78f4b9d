package hostinfo

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// meminfo is what we read from /proc/meminfo, in bytes.
type meminfo struct {
	Total     int64 // MemTotal
	Available int64 // MemAvailable, or an estimate on kernels without it
}

// parseMeminfo parses /proc/meminfo ("MemTotal:  24684084 kB" lines). On
// kernels older than 3.14, which lack MemAvailable, it estimates it as
// MemFree + Buffers + Cached.
func parseMeminfo(r io.Reader) (meminfo, error) {
	want := map[string]int64{"MemTotal": -1, "MemAvailable": -1, "MemFree": -1, "Buffers": -1, "Cached": -1}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, rest, ok := strings.Cut(sc.Text(), ":")
		if _, wanted := want[key]; !ok || !wanted {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 || len(fields) > 2 {
			return meminfo{}, fmt.Errorf("meminfo: malformed line %q", sc.Text())
		}
		v, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil || v < 0 {
			return meminfo{}, fmt.Errorf("meminfo: malformed line %q", sc.Text())
		}
		if len(fields) == 2 {
			if fields[1] != "kB" {
				return meminfo{}, fmt.Errorf("meminfo: unknown unit in %q", sc.Text())
			}
			v *= 1024
		}
		want[key] = v
	}
	if err := sc.Err(); err != nil {
		return meminfo{}, fmt.Errorf("meminfo: %w", err)
	}
	m := meminfo{Total: want["MemTotal"], Available: want["MemAvailable"]}
	if m.Total < 0 {
		return meminfo{}, errors.New("meminfo: no MemTotal")
	}
	if m.Available < 0 {
		if want["MemFree"] < 0 {
			return meminfo{}, errors.New("meminfo: neither MemAvailable nor MemFree")
		}
		m.Available = want["MemFree"] + max(want["Buffers"], 0) + max(want["Cached"], 0)
	}
	m.Available = min(m.Available, m.Total)
	return m, nil
}

// cpuTimes are the aggregate CPU counters from /proc/stat, in clock ticks.
type cpuTimes struct {
	User, Nice, System, Idle, IOWait, IRQ, SoftIRQ, Steal uint64
}

// idle is the time no task wanted a CPU (waiting for I/O counts as idle).
func (c cpuTimes) idle() uint64 { return c.Idle + c.IOWait }

// total is all the time accounted. Guest time is left out: the kernel
// already counts it in User and Nice.
func (c cpuTimes) total() uint64 {
	return c.User + c.Nice + c.System + c.Idle + c.IOWait + c.IRQ + c.SoftIRQ + c.Steal
}

// parseCPUTimes parses the aggregate "cpu" line of /proc/stat. Kernels
// before 2.6 have only the first four counters; missing ones are zero.
func parseCPUTimes(r io.Reader) (cpuTimes, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || fields[0] != "cpu" {
			continue
		}
		if len(fields) < 5 {
			return cpuTimes{}, fmt.Errorf("stat: cpu line has %d counters, want at least 4", len(fields)-1)
		}
		var v [8]uint64
		for i := range min(len(v), len(fields)-1) {
			n, err := strconv.ParseUint(fields[i+1], 10, 64)
			if err != nil {
				return cpuTimes{}, fmt.Errorf("stat: cpu counter %d: %w", i+1, err)
			}
			v[i] = n
		}
		return cpuTimes{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]}, nil
	}
	if err := sc.Err(); err != nil {
		return cpuTimes{}, fmt.Errorf("stat: %w", err)
	}
	return cpuTimes{}, errors.New("stat: no aggregate cpu line")
}

// idleMillicores is the idle share of capacity between two readings. If
// any counter went backwards (it should not) cur is used alone, which is
// the average since boot. ok is false when no time passed.
func idleMillicores(prev, cur cpuTimes, capacity int64) (millicores int64, ok bool) {
	if cur.User < prev.User || cur.Nice < prev.Nice || cur.System < prev.System || cur.Idle < prev.Idle ||
		cur.IOWait < prev.IOWait || cur.IRQ < prev.IRQ || cur.SoftIRQ < prev.SoftIRQ || cur.Steal < prev.Steal {
		prev = cpuTimes{}
	}
	total := cur.total() - prev.total()
	if total == 0 {
		return 0, false
	}
	share := float64(cur.idle()-prev.idle()) / float64(total)
	return int64(math.Round(share * float64(capacity))), true
}
