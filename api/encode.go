package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// Encode writes obj as JSON with Kubernetes field names. If obj's apiVersion
// or kind is empty, the output has them filled in from its Go type; obj
// itself is not changed.
func Encode(obj Object) ([]byte, error) {
	v := reflect.ValueOf(obj)
	if obj == nil || v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, fmt.Errorf("encode: no object")
	}
	if tm := obj.GetTypeMeta(); tm.Kind == "" || tm.APIVersion == "" {
		if k, ok := kindOfType(obj); ok && v.Kind() == reflect.Pointer {
			cp := reflect.New(v.Elem().Type())
			cp.Elem().Set(v.Elem())
			c := cp.Interface().(Object)
			ctm := c.GetTypeMeta()
			if ctm.Kind == "" {
				ctm.Kind = k.Name
			}
			if ctm.APIVersion == "" && ctm.Kind == k.Name {
				ctm.APIVersion = k.APIVersion
			}
			obj = c
		}
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", KeyOf(obj), err)
	}
	return b, nil
}

// EncodeYAML writes obj as a YAML document (without a "---" line), with the
// same content as Encode.
func EncodeYAML(obj Object) ([]byte, error) {
	b, err := Encode(obj)
	if err != nil {
		return nil, err
	}
	y, err := yaml.JSONToYAML(escapeForYAML(b))
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", KeyOf(obj), err)
	}
	return y, nil
}

// escapeForYAML rewrites characters that JSON carries raw but a YAML reader
// rejects (DEL, U+FFFE) or takes for a line break (U+0085) as \uXXXX
// escapes, so JSONToYAML reads the strings back exactly. json.Marshal
// output has such characters only inside strings, where the escapes mean
// the same.
func escapeForYAML(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if yamlAllowed(r) {
			if out != nil {
				out = append(out, b[i:i+size]...)
			}
			i += size
			continue
		}
		if out == nil {
			out = append(make([]byte, 0, len(b)+16), b[:i]...)
		}
		out = fmt.Appendf(out, "\\u%04x", r)
		i += size
	}
	if out == nil {
		return b
	}
	return out
}

// yamlAllowed reports whether a YAML reader takes r as itself: YAML's
// printable characters, less the line breaks U+0085, U+2028 and U+2029.
func yamlAllowed(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0x7e:
		return true
	case r == 0x2028 || r == 0x2029:
		return false
	}
	return r >= 0xa0 && r <= 0xd7ff || r >= 0xe000 && r <= 0xfffd || r >= 0x10000 && r <= 0x10ffff
}
