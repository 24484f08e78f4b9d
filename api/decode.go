package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// MaxDocumentSize is the largest document (one YAML document or one
// top-level JSON value) Decode accepts, and the largest body DecodeObject
// accepts.
const MaxDocumentSize = 1 << 20

// maxExpandedSize bounds the JSON a YAML document may turn into (aliases can
// make it larger than the YAML).
const maxExpandedSize = 4 * MaxDocumentSize

// ErrNoObjects is returned by Decode for input with no objects in it.
var ErrNoObjects = errors.New("no objects in input")

// DocumentError is one problem with one object of a manifest, e.g.
// `document 2 (Deployment "web"): unknown field "spec.replicass"`.
type DocumentError struct {
	// Document is the 1-based number of the document among the non-empty
	// documents of the input; 0 for DecodeObject.
	Document int
	// Item is the 1-based position in a List document, or 0.
	Item int
	// Kind is the object's kind, if known.
	Kind string
	// Name is the object's metadata.name, if known.
	Name string
	// Err is the problem; a *FieldError when it concerns one field.
	Err error
}

func (e *DocumentError) Error() string {
	var where []string
	if e.Document > 0 {
		where = append(where, "document "+strconv.Itoa(e.Document))
	}
	if e.Item > 0 {
		where = append(where, "item "+strconv.Itoa(e.Item))
	}
	s := strings.Join(where, ", ")
	var what []string
	if e.Kind != "" {
		what = append(what, truncate(e.Kind, 40))
	}
	if e.Name != "" {
		what = append(what, quote(e.Name))
	}
	if len(what) > 0 {
		if s != "" {
			s += " "
		}
		s += "(" + strings.Join(what, " ") + ")"
	}
	if s == "" {
		return e.Err.Error()
	}
	return s + ": " + e.Err.Error()
}

func (e *DocumentError) Unwrap() error { return e.Err }

// Decode reads every object of a manifest: YAML documents separated by
// "---" lines, or JSON (one object, a stream of objects, or a List
// {"kind": "List", "items": [...]} or {"items": [...]}). Each object must be
// of a registered kind with its exact apiVersion, and may only use fields
// Shoal supports. Decode defaults and validates every object.
//
// It returns all problems at once, joined, each a *DocumentError naming the
// document, the kind and name, and the field. On any problem it returns no
// objects: a caller applies all or nothing. Documents that are empty or only
// comments are skipped; input with no objects at all is ErrNoObjects. The
// same object (kind, namespace, name) twice is an error. Decode accepts
// every registered kind; callers that take user input check
// Kind.UserWritable.
func Decode(data []byte) ([]Object, error) {
	return DecodeChecked(data, nil)
}

// DecodeChecked is Decode followed by check, in the same round: check gets
// the objects that decoded cleanly (even if others did not) and returns one
// error (or nil) for each, e.g. that the object's namespace does not exist.
// Its errors are reported as Decode's are, as *DocumentErrors naming the
// object's document, in document order among Decode's own.
func DecodeChecked(data []byte, check func(objs []Object) []error) ([]Object, error) {
	objs, _, err := decodeChecked(data, nil, check)
	return objs, err
}

// decodeChecked is DecodeChecked with prepare, if not nil, run on each
// object's tree before it is decoded; its error is the object's.
// It also returns where each object was found, as DocumentErrors without
// an Err.
func decodeChecked(data []byte, prepare func(tree any) error, check func(objs []Object) []error) ([]Object, []DocumentError, error) {
	var (
		errs   []error
		objs   []Object
		places []*DocumentError // where each of objs is, for check's errors
		seen   = map[Key]string{}
	)
	for _, d := range splitInput(data) {
		fail := func(item int, kind, name string, err error) {
			errs = append(errs, &DocumentError{Document: d.num, Item: item, Kind: kind, Name: name, Err: err})
		}
		if d.err != nil {
			fail(0, "", "", d.err)
			continue
		}
		for _, dup := range d.dups {
			fail(0, "", "", fmt.Errorf("duplicate field %q", dup))
		}
		items, isList, err := listItems(d.tree)
		if err != nil {
			fail(0, "List", "", err)
			continue
		}
		for i, tree := range items {
			item := 0
			if isList {
				item = i + 1
			}
			if prepare != nil {
				if err := prepare(tree); err != nil {
					kind, name := kindAndName(tree)
					fail(item, kind, name, err)
					continue
				}
			}
			obj, kind, name, problems := decodeTree(tree, nil)
			for _, p := range problems {
				fail(item, kind, name, p)
			}
			if obj == nil {
				continue
			}
			where := fmt.Sprintf("document %d", d.num)
			if isList {
				where += fmt.Sprintf(", item %d", item)
			}
			k := KeyOf(obj)
			if prev, dup := seen[k]; dup {
				fail(item, kind, name, fmt.Errorf("duplicate object: %s is also in %s", k, prev))
				continue
			}
			seen[k] = where
			objs = append(objs, obj)
			places = append(places, &DocumentError{Document: d.num, Item: item, Kind: kind, Name: name})
		}
	}
	if check != nil && len(objs) > 0 {
		for i, err := range check(objs) {
			if err != nil && i < len(places) {
				de := *places[i]
				de.Err = err
				errs = append(errs, &de)
			}
		}
		sortByDocument(errs)
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	if len(objs) == 0 {
		return nil, nil, ErrNoObjects
	}
	at := make([]DocumentError, len(places))
	for i, p := range places {
		at[i] = *p
	}
	return objs, at, nil
}

// sortByDocument orders *DocumentErrors by document and item, keeping the
// order of errors about the same one.
func sortByDocument(errs []error) {
	pos := func(err error) (int, int) {
		var de *DocumentError
		if errors.As(err, &de) {
			return de.Document, de.Item
		}
		return 0, 0
	}
	sort.SliceStable(errs, func(i, j int) bool {
		di, ii := pos(errs[i])
		dj, ij := pos(errs[j])
		return di < dj || di == dj && ii < ij
	})
}

// DecodeOptions say what DecodeObject expects.
type DecodeOptions struct {
	// Kind is the kind the caller expects (a Kind name, plural or alias;
	// for Stored objects the exact Kind name). Empty means the body must
	// name its kind, and any registered kind is accepted.
	Kind string
	// Stored marks an object the cluster wrote (served by the API, carried
	// in a command or a command's result): it must name its kind unless
	// Kind does, and is taken exactly as it is, neither defaulted nor validated, so a reader
	// sees what the cluster stored even if validation rules have changed
	// since. Input from users leaves Stored false: the object is then
	// defaulted and validated, apiVersion and kind may be left out when
	// Kind is set (if present they must match), and it may be at most
	// MaxDocumentSize bytes.
	Stored bool
}

// DecodeObject reads one object from a JSON body: the one way raw JSON
// becomes a typed Object. The Go type is chosen by the kind, and decoding
// is strict either way: an unknown field, a second value after the object
// or a kind that does not match is an error naming what is wrong. For user
// input (see DecodeOptions.Stored) errors are *DocumentErrors, joined, each
// naming the field.
func DecodeObject(data []byte, opt DecodeOptions) (Object, error) {
	if opt.Stored {
		return decodeStored(data, opt.Kind)
	}
	var want *Kind
	if opt.Kind != "" {
		k, ok := LookupKind(opt.Kind)
		if !ok {
			return nil, fmt.Errorf("unknown kind %s (accepted: %s)", quote(opt.Kind), kindNames())
		}
		want = k
	}
	docKind := opt.Kind
	if want != nil {
		docKind = want.Name
	}
	if len(data) > MaxDocumentSize {
		return nil, &DocumentError{Kind: docKind, Err: fmt.Errorf("larger than %d bytes (%d bytes)", MaxDocumentSize, len(data))}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tree, dups, err := parseJSONTree(dec)
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			err = fmt.Errorf("data after the object")
		}
	}
	if err != nil {
		return nil, &DocumentError{Kind: docKind, Err: fmt.Errorf("invalid JSON: %s", jsonSyntaxMessage(err, data, dec.InputOffset()))}
	}
	var errs []error
	for _, dup := range dups {
		errs = append(errs, &DocumentError{Kind: docKind, Err: fmt.Errorf("duplicate field %q", dup)})
	}
	obj, kindName, name, problems := decodeTree(tree, want)
	for _, p := range problems {
		errs = append(errs, &DocumentError{Kind: kindName, Name: name, Err: p})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return obj, nil
}

// decodeStored reads an object the cluster wrote. kind, if set, is the
// exact Kind name it must have (the Raft log carries it next to the
// object, which saves reading the object twice); otherwise the body names
// it.
func decodeStored(data []byte, kind string) (Object, error) {
	if kind == "" {
		var tm TypeMeta
		if err := json.Unmarshal(data, &tm); err != nil {
			return nil, fmt.Errorf("decode object: %w", err)
		}
		if tm.Kind == "" {
			return nil, errors.New("decode object: no kind")
		}
		kind = tm.Kind
	}
	obj, err := New(kind)
	if err != nil {
		return nil, fmt.Errorf("decode object: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(obj); err != nil {
		return nil, fmt.Errorf("decode %s: %w", kind, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("decode %s: data after the object", kind)
	}
	if got := obj.GetTypeMeta().Kind; got != kind {
		return nil, fmt.Errorf("decode object: object of kind %s where %s was expected", quote(got), quote(kind))
	}
	return obj, nil
}

// kindNames lists the kinds users can apply, for error messages (kinds only
// the cluster writes, like Node and Event, are left out).
func kindNames() string {
	var names []string
	for _, k := range Kinds() {
		if k.UserWritable {
			names = append(names, k.Name)
		}
	}
	return strings.Join(names, ", ")
}

// suggestKind returns the kind a misspelt kind probably meant, or "": a
// kind users can apply, or a real Kubernetes kind Shoal does not support.
func suggestKind(kind string) string {
	if k, ok := LookupKind(kind); ok && k.UserWritable {
		return k.Name
	}
	var names []string
	for _, k := range Kinds() {
		if k.UserWritable {
			names = append(names, k.Name)
		}
	}
	return suggest(kind, append(names, unsupportedKinds...))
}

// listItems returns the objects of a document: the items of a List, or the
// document itself.
func listItems(tree any) (items []any, isList bool, err error) {
	m, ok := tree.(map[string]any)
	if !ok {
		return []any{tree}, false, nil
	}
	kind, hasKind := m["kind"]
	if hasKind && kind != "List" {
		return []any{tree}, false, nil
	}
	if _, hasItems := m["items"]; !hasKind && !hasItems {
		return []any{tree}, false, nil
	}
	for _, k := range sortedKeys(m) {
		switch k {
		case "kind", "items", "metadata":
		case "apiVersion":
			if m[k] != "v1" {
				return nil, true, fmt.Errorf("apiVersion: got %s, want \"v1\" for a List", describe(m[k]))
			}
		default:
			return nil, true, fmt.Errorf("unknown field %q", k)
		}
	}
	if items, ok = m["items"].([]any); !ok {
		return nil, true, fmt.Errorf("items: got %s, want a list", describe(m["items"]))
	}
	return items, true, nil
}

// decodeTree turns one object's JSON tree into a defaulted, validated
// Object. want, if set, is the kind the caller expects (DecodeObject). It
// returns the kind and name as far as they are known, for messages, and
// every problem found; obj is nil if there are any.
func decodeTree(tree any, want *Kind) (obj Object, kind, name string, problems ErrorList) {
	var e errs
	m, ok := tree.(map[string]any)
	if !ok {
		e.add("", "got %s, want an object with apiVersion and kind", describe(tree))
		return nil, "", "", e.list
	}
	if meta, ok := m["metadata"].(map[string]any); ok {
		name, _ = meta["name"].(string)
	}
	if want != nil {
		if _, ok := m["kind"]; !ok {
			m["kind"] = want.Name
		}
		if _, ok := m["apiVersion"]; !ok {
			m["apiVersion"] = want.APIVersion
		}
	}
	kind, kindOK := m["kind"].(string)
	apiVersion, avOK := m["apiVersion"].(string)
	var k *Kind
	switch {
	case m["kind"] != nil && !kindOK:
		e.add("kind", "got %s, want a string", describe(m["kind"]))
	case kind == "":
		e.add("kind", "required (one of %s)", kindNames())
	case want != nil && kind != want.Name:
		e.add("kind", "got %s, want %q", quote(kind), want.Name)
	case kinds[kind] == nil && unsupportedKindSet[kind]:
		e.add("kind", "%s is a Kubernetes kind not supported by Shoal (Shoal accepts: %s)", quote(kind), kindNames())
	case kinds[kind] == nil:
		msg := fmt.Sprintf("unknown kind %s (accepted: %s)", quote(kind), kindNames())
		if alt := suggestKind(kind); alt != "" {
			msg = fmt.Sprintf("unknown kind %s (did you mean %q?)", quote(kind), alt)
		}
		e.add("kind", "%s", msg)
	default:
		k = kinds[kind]
	}
	switch {
	case m["apiVersion"] != nil && !avOK:
		e.add("apiVersion", "got %s, want a string", describe(m["apiVersion"]))
	case apiVersion == "" && k != nil:
		e.add("apiVersion", "required (%q for kind %s)", k.APIVersion, k.Name)
	case apiVersion == "":
		e.required("apiVersion")
	case k != nil && apiVersion != k.APIVersion:
		e.add("apiVersion", "got %s, want %q for kind %s", quote(apiVersion), k.APIVersion, k.Name)
	}
	if len(e.list) > 0 {
		return nil, kind, name, e.list
	}
	obj = k.New()
	var sh shapeErrs
	checkShape(&sh, m, reflect.TypeOf(obj).Elem(), "")
	b, err := json.Marshal(m)
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		err = dec.Decode(obj)
	}
	if err != nil {
		// The shape check should have caught this; report what json says.
		if len(sh.list) > 0 {
			return nil, kind, name, sh.list
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			e.add(te.Field, "got %s, want %s", te.Value, te.Type)
		} else {
			e.add("", "%s", strings.TrimPrefix(err.Error(), "json: "))
		}
		return nil, kind, name, e.list
	}
	// The shape check removed what it refused, so validation sees the rest
	// and every problem of the object comes out in one round.
	Default(obj)
	problems = sh.list
	if err := Validate(obj); err != nil {
		var list ErrorList
		if !errors.As(err, &list) {
			list = ErrorList{{Detail: err.Error()}}
		}
		for _, fe := range list {
			if !shadowed(fe.Field, sh.shadows) {
				problems = append(problems, fe)
			}
		}
	}
	if len(problems) > 0 {
		return nil, kind, name, problems
	}
	return obj, kind, name, nil
}

// shadowed reports whether a validation error about field would repeat a
// shape problem: it concerns one of the shadow paths, or a field within or
// around one.
func shadowed(field string, shadows []string) bool {
	if field == "" {
		return false
	}
	for _, s := range shadows {
		if within(field, s) || within(s, field) {
			return true
		}
	}
	return false
}

// within reports whether path p is inner or below it.
func within(p, inner string) bool {
	if !strings.HasPrefix(p, inner) {
		return false
	}
	rest := p[len(inner):]
	return rest == "" || rest[0] == '.' || rest[0] == '['
}

// inputDoc is one non-empty document of the input, parsed to a JSON tree,
// or the reason it could not be.
type inputDoc struct {
	// num is the document's 1-based number among non-empty documents.
	num int
	// tree is the document as maps, lists and scalars.
	tree any
	// dups are the paths of keys that appear twice (JSON input).
	dups []string
	// err is why the document could not be read; tree is nil then.
	err error
}

// splitInput cuts data into documents: JSON if it starts with '{' or '[',
// YAML otherwise.
func splitInput(data []byte) []inputDoc {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		jdocs, err := parseJSONStream(data)
		if err != nil && len(jdocs) == 0 {
			// Maybe YAML flow style, like {apiVersion: v1, kind: ConfigMap}.
			if ydocs := splitYAML(data); len(ydocs) > 0 && ydocs[0].err == nil {
				return ydocs
			}
		}
		var docs []inputDoc
		for i, jd := range jdocs {
			d := inputDoc{num: i + 1, tree: jd.tree, dups: jd.dups}
			if jd.size > MaxDocumentSize {
				d = inputDoc{num: i + 1, err: tooLarge(jd.size)}
			}
			docs = append(docs, d)
		}
		if err != nil {
			docs = append(docs, inputDoc{num: len(jdocs) + 1, err: err})
		}
		return docs
	}
	return splitYAML(data)
}

func tooLarge(n int64) error {
	return fmt.Errorf("larger than the limit of 1 MiB (%d bytes); split it up", n)
}

// splitYAML cuts YAML at "---" lines and converts each document to a JSON
// tree, skipping empty ones.
func splitYAML(data []byte) []inputDoc {
	var docs []inputDoc
	for _, seg := range yamlSegments(data) {
		num := len(docs) + 1
		if len(seg.text) > MaxDocumentSize {
			docs = append(docs, inputDoc{num: num, err: tooLarge(int64(len(seg.text)))})
			continue
		}
		if err := checkAliases(seg.text); err != nil {
			if !errors.Is(err, ErrAliasExpansion) {
				err = yamlError(err, seg.line-1)
			}
			docs = append(docs, inputDoc{num: num, err: err})
			continue
		}
		j, err := yamlToJSON(seg.text)
		if err != nil {
			// The YAML library leaves out the line number of errors on a
			// document's first line; with a line in front it always says.
			// Shift its numbers so they count from the start of the input.
			shift := seg.line - 1
			if _, err2 := yamlToJSON(append([]byte("\n"), seg.text...)); err2 != nil {
				err, shift = err2, seg.line-2
			}
			docs = append(docs, inputDoc{num: num, err: yamlError(err, shift)})
			continue
		}
		if string(j) == "null" {
			continue
		}
		if len(j) > maxExpandedSize {
			docs = append(docs, inputDoc{num: num, err: fmt.Errorf("expands to more than %d bytes of JSON", maxExpandedSize)})
			continue
		}
		// Strict YAML decoding has already refused duplicate keys, so a
		// plain (faster) JSON decode will do.
		var tree any
		dec := json.NewDecoder(bytes.NewReader(j))
		dec.UseNumber()
		if err := dec.Decode(&tree); err != nil {
			docs = append(docs, inputDoc{num: num, err: fmt.Errorf("invalid YAML: %v", err)})
			continue
		}
		docs = append(docs, inputDoc{num: num, tree: tree})
	}
	return docs
}

// yamlToJSON converts one YAML document, turning a panic in the YAML library
// into an error: bad input must never crash the caller.
func yamlToJSON(y []byte) (j []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			j, err = nil, fmt.Errorf("yaml: cannot parse document: %v", r)
		}
	}()
	return yaml.YAMLToJSONStrict(y)
}

type yamlSegment struct {
	// text is the document's YAML.
	text []byte
	// line is the input line number of text's first line.
	line int
}

// yamlSegments cuts data at lines that start with "---" followed by nothing,
// a comment, or (as in "--- {a: 1}") the start of the next document.
func yamlSegments(data []byte) []yamlSegment {
	var segs []yamlSegment
	cur := yamlSegment{line: 1}
	lineNo := 0
	for len(data) > 0 {
		lineNo++
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i+1], data[i+1:]
		} else {
			line, data = data, nil
		}
		rest, isSep := separatorRest(line)
		if !isSep {
			cur.text = append(cur.text, line...)
			continue
		}
		segs = append(segs, cur)
		cur = yamlSegment{line: lineNo + 1}
		if r := bytes.TrimSpace(rest); len(r) > 0 && r[0] != '#' {
			// Keep the content in its column so YAML errors point at it.
			cur = yamlSegment{line: lineNo, text: append(bytes.Repeat([]byte(" "), 3), rest...)}
		}
	}
	return append(segs, cur)
}

// separatorRest reports whether line is a document separator and returns
// what follows the "---".
func separatorRest(line []byte) ([]byte, bool) {
	rest, ok := bytes.CutPrefix(line, []byte("---"))
	if !ok {
		return nil, false
	}
	if len(bytes.TrimRight(rest, "\r\n")) == 0 || rest[0] == ' ' || rest[0] == '\t' {
		return rest, true
	}
	return nil, false
}

var yamlLine = regexp.MustCompile(`\bline (\d+)\b`)

// yamlError cleans up a YAML library error and adds shift to its line
// numbers, so they count from the start of the input.
func yamlError(err error, shift int) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.TrimPrefix(msg, "json: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	msg = strings.ReplaceAll(msg, "\n  ", "; ")
	msg = yamlLine.ReplaceAllStringFunc(msg, func(s string) string {
		n, err := strconv.Atoi(s[len("line "):])
		if err != nil {
			return s
		}
		return "line " + strconv.Itoa(n+shift)
	})
	return fmt.Errorf("invalid YAML: %s", msg)
}
