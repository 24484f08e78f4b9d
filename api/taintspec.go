package api

import (
	"fmt"
	"strings"
)

// TaintChange is one argument of `shoal taint node`: a taint to add
// ("key=value:Effect" or "key:Effect") or to remove ("key:Effect-", or
// "key-" for every effect of key), as kubectl taint writes them.
type TaintChange struct {
	// Taint is the taint to add, or the key (and effect, if given) to
	// remove.
	Taint Taint
	// Remove is true for a removal.
	Remove bool
}

// ParseTaintChange parses one kubectl-style taint argument. Values are
// checked as Validate checks spec.taints.
func ParseTaintChange(s string) (TaintChange, error) {
	var c TaintChange
	spec := s
	if rest, ok := strings.CutSuffix(spec, "-"); ok {
		c.Remove, spec = true, rest
	}
	kv, effect, hasEffect := strings.Cut(spec, ":")
	key, value, _ := strings.Cut(kv, "=")
	if c.Remove {
		value = "" // kubectl accepts key=value:Effect- and ignores the value
	}
	c.Taint = Taint{Key: key, Value: value, Effect: TaintEffect(effect)}
	var msg string
	switch {
	case key == "":
		msg = "want key=value:Effect, key:Effect, key:Effect- or key-"
	case !hasEffect && !c.Remove:
		msg = "effect required (want key=value:Effect or key:Effect)"
	case hasEffect && c.Remove && effect == "":
		msg = "empty effect (want key:Effect- or key-)"
	case qualifiedNameError(key) != "":
		msg = "key " + quote(key) + ": " + qualifiedNameError(key)
	case labelValueError(value) != "" && value != "":
		msg = "value " + quote(value) + ": " + labelValueError(value)
	}
	switch c.Taint.Effect {
	case TaintNoSchedule, TaintPreferNoSchedule, TaintNoExecute:
	case "":
	default:
		if msg == "" {
			msg = "unknown effect " + quote(effect) + " (want NoSchedule, PreferNoSchedule or NoExecute)"
		}
	}
	if msg != "" {
		return c, fmt.Errorf("taint %q: %s", s, msg)
	}
	return c, nil
}

// ApplyTaintChanges returns taints with changes applied in order: an
// addition replaces a taint with the same key and effect, a removal drops
// the matching taints and is an error if none matches.
func ApplyTaintChanges(taints []Taint, changes []TaintChange) ([]Taint, error) {
	out := append([]Taint(nil), taints...)
	for _, c := range changes {
		if !c.Remove {
			replaced := false
			for i := range out {
				if out[i].Key == c.Taint.Key && out[i].Effect == c.Taint.Effect {
					out[i], replaced = c.Taint, true
				}
			}
			if !replaced {
				out = append(out, c.Taint)
			}
			continue
		}
		kept := out[:0:0]
		for _, t := range out {
			if t.Key == c.Taint.Key && (c.Taint.Effect == "" || t.Effect == c.Taint.Effect) {
				continue
			}
			kept = append(kept, t)
		}
		if len(kept) == len(out) {
			what := c.Taint.Key
			if c.Taint.Effect != "" {
				what += ":" + string(c.Taint.Effect)
			}
			return nil, fmt.Errorf("taint %q not found", what)
		}
		out = kept
	}
	return out, nil
}
