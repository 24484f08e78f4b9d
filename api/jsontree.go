package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxNesting bounds how deep objects and lists may nest in a manifest; real
// objects stay below 20.
const maxNesting = 100

// parseJSONTree reads one JSON value from dec into maps ([string]any),
// lists ([]any), strings, json.Numbers, bools and nils. Unlike
// json.Unmarshal it reports duplicate keys (every one, with its path)
// instead of keeping the last.
func parseJSONTree(dec *json.Decoder) (any, []string, error) {
	p := treeParser{dec: dec}
	v, err := p.value("", 0)
	return v, p.dups, err
}

type treeParser struct {
	// dec supplies the tokens.
	dec *json.Decoder
	// dups collects the paths of repeated keys.
	dups []string
}

func (p *treeParser) value(path string, depth int) (any, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	if depth >= maxNesting {
		return nil, fmt.Errorf("nested more than %d levels deep", maxNesting)
	}
	switch d {
	case '{':
		m := map[string]any{}
		for p.dec.More() {
			kt, err := p.dec.Token()
			if err != nil {
				return nil, err
			}
			k, _ := kt.(string)
			if _, dup := m[k]; dup {
				p.dups = append(p.dups, child(path, k))
			}
			if m[k], err = p.value(child(path, k), depth+1); err != nil {
				return nil, err
			}
		}
		if _, err := p.dec.Token(); err != nil {
			return nil, err
		}
		return m, nil
	case '[':
		l := []any{}
		for p.dec.More() {
			v, err := p.value(index(path, len(l)), depth+1)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		if _, err := p.dec.Token(); err != nil {
			return nil, err
		}
		return l, nil
	}
	return nil, fmt.Errorf("unexpected %q", d)
}

// jsonDocument is one top-level JSON value of an input and its size.
type jsonDocument struct {
	// tree is the value as maps, lists and scalars.
	tree any
	// dups are the paths of repeated keys.
	dups []string
	// size is the value's length in the input, in bytes.
	size int64
}

// parseJSONStream reads every top-level JSON value of data.
func parseJSONStream(data []byte) ([]jsonDocument, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var docs []jsonDocument
	for {
		start := dec.InputOffset()
		tree, dups, err := parseJSONTree(dec)
		if errors.Is(err, io.EOF) && len(docs) > 0 {
			if strings.TrimSpace(string(data[start:])) == "" {
				return docs, nil
			}
		}
		if err != nil {
			return docs, fmt.Errorf("invalid JSON: %s", jsonSyntaxMessage(err, data, dec.InputOffset()))
		}
		docs = append(docs, jsonDocument{tree: tree, dups: dups, size: dec.InputOffset() - start})
	}
}

// jsonSyntaxMessage says where a JSON syntax error is, by line.
func jsonSyntaxMessage(err error, data []byte, offset int64) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		offset = se.Offset
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	line := 1 + bytes.Count(data[:offset], []byte("\n"))
	return fmt.Sprintf("line %d: %s", line, msg)
}

// SameJSON reports whether a and b encode to the same JSON (false if
// either fails to encode): how the cluster tells whether a write would
// change anything.
func SameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}
