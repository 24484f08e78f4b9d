package consensus

import (
	"bytes"
	"context"
	"log/slog"

	"github.com/hashicorp/go-hclog"
)

// hclogWriter routes hashicorp/raft's hclog lines into slog, keeping the
// level hclog printed.
type hclogWriter struct{ logger *slog.Logger }

func (w hclogWriter) Write(p []byte) (int, error) {
	line := bytes.TrimSpace(p)
	level := slog.LevelInfo
	switch {
	case bytes.Contains(line, []byte("[ERROR]")):
		level = slog.LevelError
	case bytes.Contains(line, []byte("[WARN]")):
		level = slog.LevelWarn
	case bytes.Contains(line, []byte("[DEBUG]")), bytes.Contains(line, []byte("[TRACE]")):
		level = slog.LevelDebug
	}
	// Drop hclog's own timestamp: slog adds one.
	if i := bytes.IndexByte(line, '['); i > 0 {
		line = line[i:]
	}
	w.logger.Log(context.Background(), level, string(line))
	return len(p), nil
}

func newHCLogger(name string, logger *slog.Logger) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:   name,
		Level:  hclog.Info,
		Output: hclogWriter{logger: logger},
	})
}
