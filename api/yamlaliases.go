package api

import (
	"bytes"
	"errors"
	"fmt"

	yaml3 "go.yaml.in/yaml/v3"
)

// YAML aliases ("*name") repeat an anchored node ("&name") without copying
// it, so a small document can stand for an enormous one: nine levels of
// ten aliases each ("billion laughs") is a few hundred bytes that expands
// to a billion strings. The YAML library behind YAMLToJSON expands every
// alias while decoding, so checkAliases measures a document's expansion on
// its parse tree, where an alias is one pointer, and refuses it before
// anything is expanded.

// MaxAliasNodes is how many YAML nodes the aliases of one document may add
// when expanded: far more than sharing a few label or env blocks needs.
const MaxAliasNodes = 10_000

// ErrAliasExpansion is returned (wrapped) for a YAML document whose aliases
// expand past MaxAliasNodes nodes or maxExpandedSize bytes of scalars.
var ErrAliasExpansion = errors.New("YAML aliases expand too far")

// aliasCount is the expanded size of one node: its nodes and the bytes of
// its scalars (keys included), each saturated at aliasSaturate.
type aliasCount struct{ nodes, bytes int64 }

// aliasSaturate stops counts growing without end: an alias chain doubles
// them at every level.
const aliasSaturate = 1 << 50

// checkAliases returns an error if y, one YAML document, uses aliases that
// expand past the limits, or refers to an anchor from inside itself. A
// document without aliases costs only a byte scan. Its errors are the
// library's parse errors (for line numbers see yamlError) or wrap
// ErrAliasExpansion.
func checkAliases(y []byte) error {
	if !bytes.Contains(y, []byte("*")) {
		return nil // an alias starts with '*': none here
	}
	var root yaml3.Node
	if err := parseYAMLNode(y, &root); err != nil {
		return err
	}
	c := aliasCounter{memo: map[*yaml3.Node]aliasCount{}, open: map[*yaml3.Node]bool{}}
	expanded, err := c.count(&root)
	if err != nil {
		return err
	}
	literal := literalCount(&root)
	if extra := expanded.nodes - literal.nodes; extra > MaxAliasNodes {
		return fmt.Errorf("%w: they add %s nodes to the document, at most %d are allowed", ErrAliasExpansion, atLeast(expanded.nodes, extra), MaxAliasNodes)
	}
	if expanded.bytes > maxExpandedSize {
		return fmt.Errorf("%w: they make %s bytes of values, at most %d are allowed", ErrAliasExpansion, atLeast(expanded.bytes, expanded.bytes), maxExpandedSize)
	}
	return nil
}

// atLeast prints n, or "more than 10^15" when the count saturated.
func atLeast(total, n int64) string {
	if total >= aliasSaturate {
		return "more than 10^15"
	}
	return fmt.Sprint(n)
}

// parseYAMLNode parses one document into its node tree (aliases stay
// pointers), turning a panic in the library into an error.
func parseYAMLNode(y []byte, n *yaml3.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: cannot parse document: %v", r)
		}
	}()
	return yaml3.Unmarshal(y, n)
}

type aliasCounter struct {
	// memo holds the expanded count of every node counted so far, so a
	// node aliased many times is counted once.
	memo map[*yaml3.Node]aliasCount
	// open marks the nodes being counted: an alias to one of them refers
	// to an ancestor and would expand forever.
	open map[*yaml3.Node]bool
}

// count returns n's size with every alias replaced by its anchor's node.
func (c *aliasCounter) count(n *yaml3.Node) (aliasCount, error) {
	if n == nil {
		return aliasCount{}, nil
	}
	if got, ok := c.memo[n]; ok {
		return got, nil
	}
	if n.Kind == yaml3.AliasNode {
		if c.open[n.Alias] {
			return aliasCount{}, fmt.Errorf("%w: alias *%s at line %d refers to its own anchor, which would expand forever", ErrAliasExpansion, n.Value, n.Line)
		}
		return c.count(n.Alias)
	}
	c.open[n] = true
	total := aliasCount{nodes: 1, bytes: int64(len(n.Value))}
	for _, ch := range n.Content {
		sub, err := c.count(ch)
		if err != nil {
			return aliasCount{}, err
		}
		total.nodes = min(total.nodes+sub.nodes, aliasSaturate)
		total.bytes = min(total.bytes+sub.bytes, aliasSaturate)
	}
	delete(c.open, n)
	c.memo[n] = total
	return total, nil
}

// literalCount is n's size as written: aliases count as one node.
func literalCount(n *yaml3.Node) aliasCount {
	total := aliasCount{nodes: 1, bytes: int64(len(n.Value))}
	if n.Kind == yaml3.AliasNode {
		return total
	}
	for _, ch := range n.Content {
		sub := literalCount(ch)
		total.nodes += sub.nodes
		total.bytes += sub.bytes
	}
	return total
}
