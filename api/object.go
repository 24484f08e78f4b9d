package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Object is implemented by every kind. Kinds embed TypeMeta and ObjectMeta
// (as `json:",inline"` fields named TypeMeta and ObjectMeta with tag
// "metadata") and so get both accessors for free.
type Object interface {
	GetTypeMeta() *TypeMeta
	GetObjectMeta() *ObjectMeta
}

// Kind describes one kind of object the cluster stores.
type Kind struct {
	// Name is the Kind as written in manifests, e.g. "Deployment".
	Name string
	// APIVersion is the only group/version accepted for the kind.
	APIVersion string
	// Plural is the lower-case plural used in API paths, e.g. "deployments".
	Plural string
	// Aliases are other names the CLI accepts (singular, short names).
	Aliases []string
	// Namespaced is false for cluster-scoped kinds (Node, Namespace).
	Namespaced bool
	// UserWritable is false for kinds only the cluster writes (Node, Pod).
	UserWritable bool
	// New returns a new, empty object of the kind.
	New func() Object
}

var kinds = map[string]*Kind{}

// typeKinds finds a kind by the Go type of its objects.
var typeKinds = map[reflect.Type]*Kind{}

// register adds a kind to the registry; each kind's file calls it from init.
func register(k *Kind) {
	if _, dup := kinds[k.Name]; dup {
		panic("api: kind registered twice: " + k.Name)
	}
	kinds[k.Name] = k
	typeKinds[reflect.TypeOf(k.New())] = k
}

// kindOfType returns the kind of obj from its Go type, whatever its
// TypeMeta says.
func kindOfType(obj Object) (*Kind, bool) {
	k, ok := typeKinds[reflect.TypeOf(obj)]
	return k, ok
}

// Kinds returns every registered kind, sorted by name.
func Kinds() []*Kind {
	out := make([]*Kind, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupKind finds a kind by its Kind name, plural or alias, ignoring case
// ("Deployment", "deployments", "deploy").
func LookupKind(name string) (*Kind, bool) {
	n := strings.ToLower(name)
	for _, k := range kinds {
		if strings.ToLower(k.Name) == n || k.Plural == n {
			return k, true
		}
		for _, a := range k.Aliases {
			if a == n {
				return k, true
			}
		}
	}
	return nil, false
}

// KindOf returns the registered kind of obj, from its TypeMeta.
func KindOf(obj Object) (*Kind, error) {
	tm := obj.GetTypeMeta()
	k, ok := kinds[tm.Kind]
	if !ok {
		return nil, fmt.Errorf("unknown kind %q", tm.Kind)
	}
	return k, nil
}

// New returns an empty object of the named kind with its TypeMeta set.
func New(kind string) (Object, error) {
	k, ok := kinds[kind]
	if !ok {
		return nil, fmt.Errorf("unknown kind %q", kind)
	}
	obj := k.New()
	*obj.GetTypeMeta() = TypeMeta{APIVersion: k.APIVersion, Kind: k.Name}
	return obj, nil
}

// DeepCopy returns an independent copy of obj. Objects held by the state
// store are shared and must not be modified; copy them first.
func DeepCopy[T Object](obj T) T {
	b, err := json.Marshal(obj)
	if err != nil {
		panic(fmt.Sprintf("api: marshal %T: %v", obj, err))
	}
	k, err := KindOf(obj)
	if err != nil {
		panic(fmt.Sprintf("api: deep copy: %v", err))
	}
	out := k.New()
	if err := json.Unmarshal(b, out); err != nil {
		panic(fmt.Sprintf("api: unmarshal %T: %v", obj, err))
	}
	return out.(T)
}

// Key identifies an object: kind, namespace (empty for cluster-scoped kinds)
// and name.
type Key struct {
	// Kind is the object's kind, e.g. "Deployment".
	Kind string `json:"kind"`
	// Namespace is empty for cluster-scoped kinds.
	Namespace string `json:"namespace,omitempty"`
	// Name is the object's metadata.name.
	Name string `json:"name"`
}

// KeyOf returns the key of obj.
func KeyOf(obj Object) Key {
	m := obj.GetObjectMeta()
	return Key{Kind: obj.GetTypeMeta().Kind, Namespace: m.Namespace, Name: m.Name}
}

func (k Key) String() string {
	if k.Namespace == "" {
		return k.Kind + "/" + k.Name
	}
	return k.Kind + "/" + k.Namespace + "/" + k.Name
}

// SpecEqual reports whether a and b have the same content apart from
// metadata and status: a change that is not SpecEqual bumps generation.
func SpecEqual(a, b Object) bool {
	strip := func(o Object) map[string]json.RawMessage {
		var m map[string]json.RawMessage
		b, err := json.Marshal(o)
		if err != nil {
			panic(fmt.Sprintf("api: marshal %T: %v", o, err))
		}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("api: unmarshal %T: %v", o, err))
		}
		delete(m, "metadata")
		delete(m, "status")
		delete(m, "apiVersion")
		delete(m, "kind")
		return m
	}
	ma, mb := strip(a), strip(b)
	if len(ma) != len(mb) {
		return false
	}
	for k, va := range ma {
		if string(mb[k]) != string(va) {
			return false
		}
	}
	return true
}
