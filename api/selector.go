package api

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// LabelSelector selects objects by their labels. Every MatchLabels pair and
// every MatchExpressions requirement must hold. An empty selector selects
// everything; a nil one selects nothing.
type LabelSelector struct {
	// MatchLabels requires each key to have exactly that value.
	MatchLabels map[string]string `json:"matchLabels,omitempty"`
	// MatchExpressions are set-based requirements.
	MatchExpressions []LabelSelectorRequirement `json:"matchExpressions,omitempty"`
}

// LabelSelectorOperator relates a label key to a set of values.
type LabelSelectorOperator string

// Selector operators.
const (
	// SelectorOpIn requires the label to have one of the values.
	SelectorOpIn LabelSelectorOperator = "In"
	// SelectorOpNotIn requires the label to be absent or to have none of the
	// values.
	SelectorOpNotIn LabelSelectorOperator = "NotIn"
	// SelectorOpExists requires the label to be present.
	SelectorOpExists LabelSelectorOperator = "Exists"
	// SelectorOpDoesNotExist requires the label to be absent.
	SelectorOpDoesNotExist LabelSelectorOperator = "DoesNotExist"
)

// LabelSelectorRequirement is one set-based requirement.
type LabelSelectorRequirement struct {
	// Key is the label key.
	Key string `json:"key"`
	// Operator is In, NotIn, Exists or DoesNotExist.
	Operator LabelSelectorOperator `json:"operator"`
	// Values must be non-empty for In and NotIn and empty otherwise.
	Values []string `json:"values,omitempty"`
}

// SelectorFromMap returns a selector that requires every pair of m.
func SelectorFromMap(m map[string]string) *LabelSelector {
	s := &LabelSelector{}
	if len(m) > 0 {
		s.MatchLabels = make(map[string]string, len(m))
		for k, v := range m {
			s.MatchLabels[k] = v
		}
	}
	return s
}

// IsEmpty reports whether s has no requirements (and so selects everything).
func (s *LabelSelector) IsEmpty() bool {
	return s != nil && len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0
}

// Matches reports whether labels satisfy s. A nil selector matches nothing;
// an unknown operator never matches.
func (s *LabelSelector) Matches(labels map[string]string) bool {
	if s == nil {
		return false
	}
	for k, v := range s.MatchLabels {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	for _, r := range s.MatchExpressions {
		if !r.Matches(labels) {
			return false
		}
	}
	return true
}

// Matches reports whether labels satisfy r.
func (r LabelSelectorRequirement) Matches(labels map[string]string) bool {
	v, ok := labels[r.Key]
	return matchSet(r.Operator, r.Values, v, ok)
}

// matchSet is the set-based requirement (In, NotIn, Exists, DoesNotExist)
// on a value v, present or not; false for any other operator.
func matchSet(op LabelSelectorOperator, values []string, v string, present bool) bool {
	switch op {
	case SelectorOpIn:
		return present && slices.Contains(values, v)
	case SelectorOpNotIn:
		return !present || !slices.Contains(values, v)
	case SelectorOpExists:
		return present
	case SelectorOpDoesNotExist:
		return !present
	}
	return false
}

// String writes s in the command-line syntax ParseSelector reads, e.g.
// "app=web,tier in (a,b),!canary". A nil selector, which matches nothing,
// has no such form and is written as "<none>".
func (s *LabelSelector) String() string {
	if s == nil {
		return "<none>"
	}
	var parts []string
	keys := make([]string, 0, len(s.MatchLabels))
	for k := range s.MatchLabels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, k+"="+s.MatchLabels[k])
	}
	for _, r := range s.MatchExpressions {
		switch r.Operator {
		case SelectorOpIn, SelectorOpNotIn:
			if len(r.Values) == 1 {
				op := "="
				if r.Operator == SelectorOpNotIn {
					op = "!="
				}
				parts = append(parts, r.Key+op+r.Values[0])
				continue
			}
			op := " in "
			if r.Operator == SelectorOpNotIn {
				op = " notin "
			}
			parts = append(parts, r.Key+op+"("+strings.Join(r.Values, ",")+")")
		case SelectorOpExists:
			parts = append(parts, r.Key)
		case SelectorOpDoesNotExist:
			parts = append(parts, "!"+r.Key)
		default:
			parts = append(parts, fmt.Sprintf("%s %s (%s)", r.Key, r.Operator, strings.Join(r.Values, ",")))
		}
	}
	return strings.Join(parts, ",")
}

// ParseSelector parses a command-line selector such as
// "app=web,tier!=db,env in (prod,staging),env notin (dev),canary,!legacy".
// "key=value" and "key==value" become MatchLabels (an In requirement if the
// key repeats); "key!=value" is NotIn; "key" is Exists; "!key" is
// DoesNotExist. The empty string selects everything. Keys and values are
// checked like label keys and values.
func ParseSelector(s string) (*LabelSelector, error) {
	p := selectorParser{s: s}
	sel, err := p.parse()
	if err != nil {
		return nil, fmt.Errorf("invalid selector %q: %w", truncate(s, 200), err)
	}
	return sel, nil
}

type selectorParser struct {
	// s is the selector text.
	s string
	// pos is the offset of the next byte to read.
	pos int
}

func (p *selectorParser) skipSpace() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

// word reads a key or value: everything up to a space or one of ,=!()<>.
func (p *selectorParser) word() string {
	start := p.pos
	for p.pos < len(p.s) && !strings.ContainsRune(" \t,=!()<>", rune(p.s[p.pos])) {
		p.pos++
	}
	return p.s[start:p.pos]
}

func (p *selectorParser) peek(prefix string) bool { return strings.HasPrefix(p.s[p.pos:], prefix) }

func (p *selectorParser) parse() (*LabelSelector, error) {
	sel := &LabelSelector{}
	p.skipSpace()
	if p.pos == len(p.s) {
		return sel, nil
	}
	for {
		r, err := p.requirement()
		if err != nil {
			return nil, err
		}
		if err := addRequirement(sel, r); err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos == len(p.s) {
			return sel, nil
		}
		if p.s[p.pos] != ',' {
			return nil, fmt.Errorf("at offset %d: want ',' between requirements, got %q", p.pos, p.s[p.pos:p.pos+1])
		}
		p.pos++
		p.skipSpace()
	}
}

// addRequirement folds "k=v" into MatchLabels unless k is already there.
func addRequirement(sel *LabelSelector, r LabelSelectorRequirement) error {
	if err := checkRequirement(r); err != nil {
		return err
	}
	if r.Operator == SelectorOpIn && len(r.Values) == 1 {
		if _, dup := sel.MatchLabels[r.Key]; !dup && !hasExpression(sel, r.Key) {
			if sel.MatchLabels == nil {
				sel.MatchLabels = map[string]string{}
			}
			sel.MatchLabels[r.Key] = r.Values[0]
			return nil
		}
	}
	sel.MatchExpressions = append(sel.MatchExpressions, r)
	return nil
}

func hasExpression(sel *LabelSelector, key string) bool {
	for _, r := range sel.MatchExpressions {
		if r.Key == key {
			return true
		}
	}
	return false
}

func checkRequirement(r LabelSelectorRequirement) error {
	if msg := qualifiedNameError(r.Key); msg != "" {
		return fmt.Errorf("key %q: %s", r.Key, msg)
	}
	for _, v := range r.Values {
		if msg := labelValueError(v); msg != "" {
			return fmt.Errorf("value %q: %s", v, msg)
		}
	}
	return nil
}

func (p *selectorParser) requirement() (LabelSelectorRequirement, error) {
	if p.peek("!") && !p.peek("!=") {
		p.pos++
		p.skipSpace()
		key := p.word()
		if key == "" {
			return LabelSelectorRequirement{}, fmt.Errorf("at offset %d: want a label key after '!'", p.pos)
		}
		return LabelSelectorRequirement{Key: key, Operator: SelectorOpDoesNotExist}, nil
	}
	start := p.pos
	key := p.word()
	if key == "" {
		return LabelSelectorRequirement{}, fmt.Errorf("at offset %d: want a label key", start)
	}
	p.skipSpace()
	switch {
	case p.pos == len(p.s) || p.s[p.pos] == ',':
		return LabelSelectorRequirement{Key: key, Operator: SelectorOpExists}, nil
	case p.peek("!="):
		p.pos += 2
		return p.single(key, SelectorOpNotIn)
	case p.peek("=="):
		p.pos += 2
		return p.single(key, SelectorOpIn)
	case p.peek("="):
		p.pos++
		return p.single(key, SelectorOpIn)
	}
	opStart := p.pos
	op := p.word()
	var operator LabelSelectorOperator
	switch op {
	case "in":
		operator = SelectorOpIn
	case "notin":
		operator = SelectorOpNotIn
	default:
		if op == "" && p.pos < len(p.s) {
			op = p.s[p.pos : p.pos+1]
		}
		return LabelSelectorRequirement{}, fmt.Errorf("at offset %d: want '=', '==', '!=', 'in' or 'notin' after %q, got %q", opStart, key, op)
	}
	p.skipSpace()
	if !p.peek("(") {
		return LabelSelectorRequirement{}, fmt.Errorf("at offset %d: want '(' after %q", p.pos, op)
	}
	p.pos++
	var values []string
	for {
		p.skipSpace()
		values = append(values, p.word())
		p.skipSpace()
		if p.peek(")") {
			p.pos++
			break
		}
		if !p.peek(",") {
			return LabelSelectorRequirement{}, fmt.Errorf("at offset %d: want ',' or ')' in value list", p.pos)
		}
		p.pos++
	}
	if len(values) == 1 && values[0] == "" {
		return LabelSelectorRequirement{}, fmt.Errorf("%q: value list may not be empty", key)
	}
	return LabelSelectorRequirement{Key: key, Operator: operator, Values: values}, nil
}

func (p *selectorParser) single(key string, op LabelSelectorOperator) (LabelSelectorRequirement, error) {
	p.skipSpace()
	v := p.word()
	if p.pos < len(p.s) && strings.ContainsRune("=!()", rune(p.s[p.pos])) {
		return LabelSelectorRequirement{}, fmt.Errorf("at offset %d: unexpected %q", p.pos, p.s[p.pos:p.pos+1])
	}
	return LabelSelectorRequirement{Key: key, Operator: op, Values: []string{v}}, nil
}
