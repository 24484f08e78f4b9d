package pods

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/shoal-dev/shoal/api"
)

// Signal names a filesystem whose free space the eviction monitor
// watches, in kubelet's words.
type Signal string

// The signals Shoal watches.
const (
	// SignalNodeFS is the free space of the filesystem holding the data
	// dir: Raft, pod volumes (emptyDir) and container logs.
	SignalNodeFS Signal = "nodefs.available"
	// SignalImageFS is the free space of the filesystem holding
	// containerd's root (images and container layers), when it is another
	// filesystem than the data dir's; on the same one it is not watched
	// apart (nodefs covers it).
	SignalImageFS Signal = "imagefs.available"
)

// DefaultEvictionHard is kubelet's default for the signals Shoal watches.
const DefaultEvictionHard = "nodefs.available<10%,imagefs.available<15%"

// Raft's reserve on the data dir's filesystem: whatever --eviction-hard
// says, the node is under pressure while less than RaftReserve is free,
// capped at RaftReserveMaxPercent of the filesystem so that a small
// filesystem is not under pressure for good. Pods are evicted before the
// disk fills, so Raft (its log and snapshots) can still commit.
const (
	RaftReserve           = 512 << 20
	RaftReserveMaxPercent = 20
)

// Threshold is one hard eviction threshold: the node is under pressure
// while the signal's free space is below Percent of the filesystem's size
// or below Bytes (exactly one of them is set).
type Threshold struct {
	// Signal is the filesystem the threshold is about.
	Signal Signal
	// Percent is a share of the filesystem's size, in (0, 100).
	Percent float64
	// Bytes is an absolute amount of free space.
	Bytes int64
	// quantity is Bytes as written ("2G"), for String.
	quantity string
}

// MinFree is how many bytes must stay free on a filesystem of capacity
// bytes.
func (t Threshold) MinFree(capacity int64) int64 {
	if t.Percent > 0 {
		return int64(math.Ceil(float64(capacity) * t.Percent / 100))
	}
	return t.Bytes
}

// String writes the threshold in --eviction-hard syntax.
func (t Threshold) String() string {
	if t.Percent > 0 {
		return string(t.Signal) + "<" + strconv.FormatFloat(t.Percent, 'f', -1, 64) + "%"
	}
	q := t.quantity
	if q == "" {
		q = api.NewQuantity(t.Bytes, api.BinarySI).String()
	}
	return string(t.Signal) + "<" + q
}

// Thresholds are the hard eviction thresholds, at most one per signal.
type Thresholds []Threshold

// For returns the threshold of signal s, if there is one.
func (ts Thresholds) For(s Signal) (Threshold, bool) {
	for _, t := range ts {
		if t.Signal == s {
			return t, true
		}
	}
	return Threshold{}, false
}

// String writes the thresholds in --eviction-hard syntax.
func (ts Thresholds) String() string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.String()
	}
	return strings.Join(parts, ",")
}

// NodeFSMinFree is the free space the data dir's filesystem of capacity
// bytes must keep: the nodefs threshold, raised to Raft's reserve.
func (ts Thresholds) NodeFSMinFree(capacity int64) int64 {
	var want int64
	if t, ok := ts.For(SignalNodeFS); ok {
		want = t.MinFree(capacity)
	}
	return max(want, min(int64(RaftReserve), capacity*RaftReserveMaxPercent/100))
}

// maxEvictionHardLen bounds the --eviction-hard text looked at.
const maxEvictionHardLen = 256

// ParseEvictionHard parses kubelet's --eviction-hard syntax for the
// signals Shoal watches: comma-separated SIGNAL<VALUE, where VALUE is a
// percentage of the filesystem ("10%", "2.5%") or a quantity of bytes
// ("512Mi", "2G"), each signal at most once. "" is no thresholds (Raft's
// reserve still holds).
func ParseEvictionHard(s string) (Thresholds, error) {
	if len(s) > maxEvictionHardLen {
		return nil, fmt.Errorf("eviction thresholds: %d bytes, at most %d", len(s), maxEvictionHardLen)
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out Thresholds
	for _, stmt := range strings.Split(s, ",") {
		t, err := parseThreshold(strings.TrimSpace(stmt))
		if err != nil {
			return nil, err
		}
		if _, dup := out.For(t.Signal); dup {
			return nil, fmt.Errorf("eviction threshold %q: %s is given twice", stmt, t.Signal)
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Threshold) int { return strings.Compare(string(a.Signal), string(b.Signal)) })
	return out, nil
}

// errThresholdSyntax explains the syntax in every error about it.
var errThresholdSyntax = errors.New(`want SIGNAL<VALUE, e.g. "nodefs.available<10%" or "imagefs.available<2Gi"`)

func parseThreshold(stmt string) (Threshold, error) {
	sig, val, ok := strings.Cut(stmt, "<")
	if !ok || strings.ContainsAny(val, "<>=") {
		return Threshold{}, fmt.Errorf("eviction threshold %q: %w", stmt, errThresholdSyntax)
	}
	t := Threshold{Signal: Signal(strings.TrimSpace(sig))}
	switch t.Signal {
	case SignalNodeFS, SignalImageFS:
	case "":
		return Threshold{}, fmt.Errorf("eviction threshold %q: no signal: %w", stmt, errThresholdSyntax)
	default:
		return Threshold{}, fmt.Errorf("eviction threshold %q: unknown signal %q (Shoal watches %s and %s)", stmt, t.Signal, SignalNodeFS, SignalImageFS)
	}
	val = strings.TrimSpace(val)
	if p, isPercent := strings.CutSuffix(val, "%"); isPercent {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || math.IsNaN(f) || strings.ContainsAny(p, "xXpP_") {
			return Threshold{}, fmt.Errorf("eviction threshold %q: %q is not a percentage", stmt, val)
		}
		if f <= 0 || f >= 100 {
			return Threshold{}, fmt.Errorf("eviction threshold %q: %s is out of range, want more than 0%% and less than 100%%", stmt, val)
		}
		t.Percent = f
		return t, nil
	}
	if val == "" {
		return Threshold{}, fmt.Errorf("eviction threshold %q: no value: %w", stmt, errThresholdSyntax)
	}
	q, err := api.ParseQuantity(val)
	if err != nil {
		return Threshold{}, fmt.Errorf("eviction threshold %q: %w", stmt, err)
	}
	if q.Sign() <= 0 {
		return Threshold{}, fmt.Errorf("eviction threshold %q: %s must be more than 0", stmt, val)
	}
	t.Bytes, t.quantity = q.Value(), q.String()
	return t, nil
}
