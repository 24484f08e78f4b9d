package api

import (
	"encoding/json"
	"fmt"
	"reflect"

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
	y, err := yaml.JSONToYAML(b)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", KeyOf(obj), err)
	}
	return y, nil
}
