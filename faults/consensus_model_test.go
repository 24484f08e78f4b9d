package faults

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// raftInput is one operation on the replicated store as porcupine sees it:
// a write of Value to the ConfigMap Key, or a read of Key.
type raftInput struct {
	Key   string
	Write bool
	Value string
}

// raftOutput is what an operation returned: a read's value ("" when the
// ConfigMap does not exist); nothing for a write.
type raftOutput struct {
	Value string
}

// raftRegisterModel is a map of registers, one per ConfigMap, checked key
// by key: a write sets the key's value, a read must return the current
// one; a key starts absent (""). Every write in a history writes a value
// of its own, so a read names the one write it saw.
var raftRegisterModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			k := op.Input.(raftInput).Key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		sort.Strings(keys)
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return "" },
	Step: func(state, input, output any) (bool, any) {
		in := input.(raftInput)
		if in.Write {
			return true, in.Value
		}
		return output.(raftOutput).Value == state.(string), state
	},
	DescribeOperation: func(input, output any) string {
		in := input.(raftInput)
		if in.Write {
			return fmt.Sprintf("put(%s, %q)", in.Key, in.Value)
		}
		return fmt.Sprintf("get(%s) → %q", in.Key, output.(raftOutput).Value)
	},
}

// raftUnknown is the return time of an operation whose outcome is not
// known (a write that failed or timed out may still have been
// committed): it stays open to the end of the history, so the checker may
// place it anywhere after its call, or nowhere if nothing read it.
const raftUnknown = math.MaxInt64

// raftHistory records operations from concurrent clients, with times on
// one monotonic clock.
type raftHistory struct {
	start time.Time
	mu    sync.Mutex
	ops   []porcupine.Operation
}

func newRaftHistory() *raftHistory { return &raftHistory{start: time.Now()} }

// now is the history's clock (monotonic nanoseconds since its start).
func (h *raftHistory) now() int64 { return int64(time.Since(h.start)) }

// add records a completed operation; ret raftUnknown for an operation
// whose effect is unknown.
func (h *raftHistory) add(client int, in raftInput, out raftOutput, call, ret int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: in, Output: out, Call: call, Return: ret})
}

// raftStats counts a history's operations.
type raftStats struct {
	ackedWrites, unknownWrites, reads int
}

func (s raftStats) String() string {
	return fmt.Sprintf("%d acknowledged writes, %d writes of unknown outcome, %d linearizable reads", s.ackedWrites, s.unknownWrites, s.reads)
}

func (h *raftHistory) stats() raftStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	var s raftStats
	for _, op := range h.ops {
		switch {
		case !op.Input.(raftInput).Write:
			s.reads++
		case op.Return == raftUnknown:
			s.unknownWrites++
		default:
			s.ackedWrites++
		}
	}
	return s
}

// check runs porcupine over the history and returns an error describing
// the first key whose operations are not linearizable.
func (h *raftHistory) check(timeout time.Duration) error {
	h.mu.Lock()
	ops := append([]porcupine.Operation(nil), h.ops...)
	h.mu.Unlock()
	return raftCheck(ops, timeout)
}

// raftCheck checks ops for linearizability against raftRegisterModel.
func raftCheck(ops []porcupine.Operation, timeout time.Duration) error {
	res, info := porcupine.CheckOperationsVerbose(raftRegisterModel, ops, timeout)
	switch res {
	case porcupine.Ok:
		return nil
	case porcupine.Unknown:
		return fmt.Errorf("linearizability check of %d operations did not finish in %s", len(ops), timeout)
	}
	// Name the longest linearizable prefix of each failing key: the
	// operation after it is the one no order explains.
	var b strings.Builder
	for _, part := range info.PartialLinearizationsOperations() {
		longest := []porcupine.Operation{}
		for _, p := range part {
			if len(p) > len(longest) {
				longest = p
			}
		}
		if len(longest) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n  longest linearizable order on %s:", longest[0].Input.(raftInput).Key)
		for _, op := range longest[max(0, len(longest)-6):] {
			fmt.Fprintf(&b, " %s;", raftRegisterModel.DescribeOperation(op.Input, op.Output))
		}
	}
	return fmt.Errorf("history of %d operations is not linearizable:%s", len(ops), b.String())
}

// lostWrites lists the acknowledged writes that the final value of their
// key contradicts: the final value was written by an operation that had
// returned before the acknowledged write was called (so the write should
// have replaced it), or the key is absent although the write was
// acknowledged. final maps each key to its value read once every client
// stopped.
func (h *raftHistory) lostWrites(final map[string]string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	writer := map[string]porcupine.Operation{} // value → its write
	for _, op := range h.ops {
		if in := op.Input.(raftInput); in.Write {
			writer[in.Value] = op
		}
	}
	var lost []string
	for _, op := range h.ops {
		in := op.Input.(raftInput)
		if !in.Write || op.Return == raftUnknown {
			continue
		}
		v, ok := final[in.Key]
		if !ok {
			continue
		}
		if v == "" {
			lost = append(lost, fmt.Sprintf("put(%s, %q) acknowledged, key absent at the end", in.Key, in.Value))
			continue
		}
		if w, ok := writer[v]; ok && w.Return < op.Call {
			lost = append(lost, fmt.Sprintf("put(%s, %q) acknowledged, yet the key ends with the older %q", in.Key, in.Value, v))
		}
	}
	return lost
}
