package api

import "fmt"

// DecodeCheckedIn is DecodeChecked for objects meant for namespace (as
// kubectl's --namespace): a namespaced object that names no namespace
// goes there, and one that names another namespace is an error. Cluster
// objects are left as they are. An empty namespace changes nothing.
func DecodeCheckedIn(data []byte, namespace string, check func(objs []Object) []error) ([]Object, error) {
	objs, _, err := DecodePlaced(data, namespace, check)
	return objs, err
}

// DecodePlaced is DecodeCheckedIn that also returns where each object was
// found (document, item, kind and name; Err nil), so that later errors
// about objs[i] can name its place as the decoder's own do.
func DecodePlaced(data []byte, namespace string, check func(objs []Object) []error) ([]Object, []DocumentError, error) {
	if namespace == "" {
		return decodeChecked(data, nil, check)
	}
	if msg := dnsLabelError(namespace); msg != "" {
		return nil, nil, fmt.Errorf("namespace %s: %s", quote(namespace), msg)
	}
	return decodeChecked(data, func(tree any) error { return placeIn(tree, namespace) }, check)
}

// placeIn sets metadata.namespace of a namespaced object's tree to ns, or
// says why it cannot.
func placeIn(tree any, ns string) error {
	m, ok := tree.(map[string]any)
	if !ok {
		return nil // decodeTree says what is wrong
	}
	kind, _ := m["kind"].(string)
	if k := kinds[kind]; k == nil || !k.Namespaced {
		return nil
	}
	meta, ok := m["metadata"].(map[string]any)
	if !ok {
		if m["metadata"] != nil {
			return nil // decodeTree says what is wrong
		}
		meta = map[string]any{}
		m["metadata"] = meta
	}
	switch cur := meta["namespace"].(type) {
	case nil:
		meta["namespace"] = ns
	case string:
		if cur == "" {
			meta["namespace"] = ns
		} else if cur != ns {
			return fmt.Errorf("metadata.namespace: %q does not match the namespace %q given with --namespace; drop one of them", cur, ns)
		}
	}
	return nil
}

// kindAndName reads an object tree's kind and metadata.name for an error
// message, as far as they are there.
func kindAndName(tree any) (kind, name string) {
	m, _ := tree.(map[string]any)
	kind, _ = m["kind"].(string)
	if meta, ok := m["metadata"].(map[string]any); ok {
		name, _ = meta["name"].(string)
	}
	return kind, name
}
