package pods

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/shoal-dev/shoal/agent/runtime"
)

// Log rotation: each run's log is cut at maxLogBytes, keeping maxRotated
// older pieces.
const (
	maxLogBytes    = 10 << 20
	rotateInterval = 10 * time.Second
)

// rotateLogs rotates every container log that grew over maxLogBytes.
func (m *Manager) rotateLogs() {
	files, _ := filepath.Glob(filepath.Join(m.cfg.DataDir, "logs", "*", "*", "*.log"))
	for _, f := range files {
		if fi, err := os.Stat(f); err != nil || fi.Size() < maxLogBytes {
			continue
		}
		if err := runtime.RotateLog(f, maxLogBytes, maxRotated); err != nil {
			m.logger.Warn("rotate log", "path", f, "err", err)
		}
	}
}

// removeOldLogs keeps the log of the run before restart (for --previous)
// and removes older ones, as kubelet does.
func removeOldLogs(current string, restart int32) {
	dir := filepath.Dir(current)
	for n := restart - 2; n >= 0; n-- {
		p := filepath.Join(dir, fmt.Sprintf("%d.log", n))
		if err := os.Remove(p); err != nil {
			if os.IsNotExist(err) && n < restart-2 {
				return
			}
		}
		for i := 1; i <= maxRotated; i++ {
			_ = os.Remove(fmt.Sprintf("%s.%d", p, i))
		}
	}
}

// maxRotated is how many rotated pieces of one run's log are kept.
const maxRotated = 1
