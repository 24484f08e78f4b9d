package gossip

import (
	"context"
	"log/slog"
	"strings"
	"time"
)

// logSink receives memberlist's log lines ("[LEVEL] memberlist: message")
// through a log.Logger. It drops DEBUG lines, passes INFO on at debug level
// and WARN/ERR at warn/error level, and watches for the lines memberlist
// writes when one of this node's probes gets no ack at all (the only sign
// of suspicion memberlist v0.5.4 makes visible) and, earlier, when its
// direct ping got none within the probe timeout.
type logSink struct{ g *Gossip }

func (s *logSink) Write(p []byte) (int, error) {
	level, msg, keep := parseLogLine(string(p))
	if name, ok := suspectedBy(msg); ok {
		s.g.markSuspect(name, time.Now())
	}
	if name, ok := missedBy(msg); ok {
		s.g.markMissed(name, time.Now())
	}
	if keep {
		s.g.logger.Log(context.Background(), level, msg, "source", "memberlist")
	}
	return len(p), nil
}

// parseLogLine splits a memberlist log line into its slog level and its
// message without the level and "memberlist: " prefixes; keep is false for
// DEBUG lines.
func parseLogLine(line string) (level slog.Level, msg string, keep bool) {
	line = strings.TrimRight(line, "\r\n")
	level, keep = slog.LevelDebug, true
	if rest, ok := strings.CutPrefix(line, "["); ok {
		if tag, m, ok := strings.Cut(rest, "] "); ok {
			switch tag {
			case "DEBUG", "TRACE":
				keep = false
			case "INFO":
				level = slog.LevelDebug
			case "WARN":
				level = slog.LevelWarn
			case "ERR", "ERROR":
				level = slog.LevelError
			}
			line = m
		}
	}
	return level, strings.TrimPrefix(line, "memberlist: "), keep
}

// suspectedBy returns the member named in memberlist's "Suspect NAME has
// failed, no acks received" message (state.go, probeNode).
func suspectedBy(msg string) (string, bool) {
	rest, ok := strings.CutPrefix(msg, "Suspect ")
	if !ok {
		return "", false
	}
	name, ok := strings.CutSuffix(rest, " has failed, no acks received")
	return name, ok && name != ""
}

// missedBy returns the member named in memberlist's DEBUG message "Failed
// UDP ping: NAME (timeout reached)" (state.go, probeNode: the direct ping
// of a probe round went unanswered). The same words with a node address
// (from Memberlist.Ping, which Shoal does not call) name no member and are
// dropped by the table.
func missedBy(msg string) (string, bool) {
	rest, ok := strings.CutPrefix(msg, "Failed UDP ping: ")
	if !ok {
		return "", false
	}
	name, ok := strings.CutSuffix(rest, " (timeout reached)")
	if !ok || name == "" || strings.ContainsAny(name, " {}&") {
		return "", false
	}
	return name, true
}
