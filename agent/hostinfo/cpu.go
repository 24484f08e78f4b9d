package hostinfo

import (
	"fmt"
	"runtime"
	"sync"
)

// CPUSampler measures idle CPU from /proc/stat between calls. The zero
// value is ready to use and safe for concurrent use.
type CPUSampler struct {
	mu   sync.Mutex
	prev cpuTimes
	last int64
	have bool
}

// Sample returns the idle CPU in millicores over the time since the last
// call (since boot on the first call). Called again within the same clock
// tick, it returns the previous value.
func (s *CPUSampler) Sample() (int64, error) {
	cur, err := readCPUTimes()
	if err != nil {
		return 0, fmt.Errorf("sample cpu: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := idleMillicores(s.prev, cur, cpuCapacity())
	if !ok {
		if s.have {
			return s.last, nil
		}
		v = 0
	}
	s.prev, s.last, s.have = cur, v, true
	return v, nil
}

// cpuCapacity is the CPUs this process may run on, in millicores.
func cpuCapacity() int64 { return int64(runtime.NumCPU()) * 1000 }
