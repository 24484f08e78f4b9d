package consensus

import (
	"cmp"
	"slices"
	"sync"

	"github.com/shoal-dev/shoal/api"
)

// Store is the local, in-memory copy of cluster state that the FSM writes and
// everything else reads. It is safe for any number of concurrent readers.
//
// Objects in the Store are immutable: Get, List, Watch and ApplyResult hand
// out the stored pointers themselves, so a reader that wants to modify an
// object must api.DeepCopy it first.
//
// Objects are indexed by kind, then namespace and name, and per kind by label
// (key=value → objects), so a List with a selector touches only the objects
// carrying its rarest label, or, for one namespace, that namespace's objects
// if they are fewer.
type Store struct {
	// wmu serialises writers (the FSM's Apply and Restore). A writer holding
	// wmu may read the tables without mu, because nobody else mutates them.
	wmu sync.Mutex

	mu       sync.RWMutex // guards everything below
	tables   tables
	index    uint64
	watchers map[*watcher]struct{}
}

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{tables: tables{}, watchers: map[*watcher]struct{}{}}
}

// Get returns the stored object, which must not be modified. namespace is
// empty for cluster-scoped kinds.
func (s *Store) Get(kind, namespace, name string) (api.Object, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	obj := s.tables.get(api.Key{Kind: kind, Namespace: namespace, Name: name})
	return obj, obj != nil
}

// List returns the objects of kind in namespace ("" for all namespaces) whose
// labels include every key=value of selector (nil or empty selects all),
// sorted by namespace then name. The objects must not be modified.
func (s *Store) List(kind, namespace string, selector map[string]string) []api.Object {
	s.mu.RLock()
	out := s.tables[kind].list(namespace, selector)
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b api.Object) int {
		am, bm := a.GetObjectMeta(), b.GetObjectMeta()
		return cmp.Or(cmp.Compare(am.Namespace, bm.Namespace), cmp.Compare(am.Name, bm.Name))
	})
	return out
}

// Index returns the Raft index of the last log entry applied to the Store.
func (s *Store) Index() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.index
}

// Len returns the number of stored objects.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	for _, t := range s.tables {
		n += t.n
	}
	return n
}

// lookup returns the stored object for key. The caller must hold wmu.
func (s *Store) lookup(key api.Key) api.Object {
	return s.tables.get(key)
}

// change is one write of a command: old nil is a create, new nil a delete.
type change struct {
	old, new api.Object
}

// commit applies the changes of one Raft entry, records its index and
// notifies watchers, all while holding the lock, so readers see either none
// or all of a command. The caller must hold wmu.
func (s *Store) commit(index uint64, changes []change) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range changes {
		if c.old != nil {
			s.tables.remove(c.old)
		}
		if c.new != nil {
			s.tables.add(c.new)
		}
	}
	s.index = index
	s.notify(index, changes)
}

// snapshot returns every stored object and the index they reflect. The
// objects are immutable, so copying the pointers is a consistent view.
func (s *Store) snapshot() (uint64, []api.Object) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var objs []api.Object
	for _, t := range s.tables {
		objs = slices.Grow(objs, t.n)
		for _, names := range t.byNS {
			for _, obj := range names {
				objs = append(objs, obj)
			}
		}
	}
	return s.index, objs
}

// replace swaps in restored state and closes every watcher, which tells
// watch clients to list again (see Watch).
func (s *Store) replace(t tables, index uint64) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tables = t
	s.index = index
	for w := range s.watchers {
		s.dropLocked(w)
	}
}

// tables holds the objects by kind.
type tables map[string]*kindTable

// nsName identifies an object within its kind.
type nsName struct{ namespace, name string }

// label is one key=value pair of the label index.
type label struct{ key, value string }

// kindTable holds the objects of one kind: by namespace and name, and by
// label.
type kindTable struct {
	byNS   map[string]map[string]api.Object
	labels map[label]map[nsName]struct{}
	n      int
}

func (t tables) get(key api.Key) api.Object {
	kt := t[key.Kind]
	if kt == nil {
		return nil
	}
	return kt.byNS[key.Namespace][key.Name]
}

func (t tables) add(obj api.Object) {
	kind := obj.GetTypeMeta().Kind
	kt := t[kind]
	if kt == nil {
		kt = &kindTable{byNS: map[string]map[string]api.Object{}, labels: map[label]map[nsName]struct{}{}}
		t[kind] = kt
	}
	m := obj.GetObjectMeta()
	names := kt.byNS[m.Namespace]
	if names == nil {
		names = map[string]api.Object{}
		kt.byNS[m.Namespace] = names
	}
	if _, ok := names[m.Name]; !ok {
		kt.n++
	}
	names[m.Name] = obj
	id := nsName{m.Namespace, m.Name}
	for k, v := range m.Labels {
		l := label{k, v}
		set := kt.labels[l]
		if set == nil {
			set = map[nsName]struct{}{}
			kt.labels[l] = set
		}
		set[id] = struct{}{}
	}
}

// remove deletes obj, which must be the stored object for its key.
func (t tables) remove(obj api.Object) {
	kt := t[obj.GetTypeMeta().Kind]
	if kt == nil {
		return
	}
	m := obj.GetObjectMeta()
	names := kt.byNS[m.Namespace]
	if _, ok := names[m.Name]; !ok {
		return
	}
	delete(names, m.Name)
	kt.n--
	if len(names) == 0 {
		delete(kt.byNS, m.Namespace)
	}
	id := nsName{m.Namespace, m.Name}
	for k, v := range m.Labels {
		l := label{k, v}
		delete(kt.labels[l], id)
		if len(kt.labels[l]) == 0 {
			delete(kt.labels, l)
		}
	}
}

// list returns the matching objects unsorted; kt may be nil.
func (kt *kindTable) list(namespace string, selector map[string]string) []api.Object {
	if kt == nil {
		return []api.Object{}
	}
	if len(selector) == 0 {
		if namespace != "" {
			out := make([]api.Object, 0, len(kt.byNS[namespace]))
			for _, obj := range kt.byNS[namespace] {
				out = append(out, obj)
			}
			return out
		}
		out := make([]api.Object, 0, kt.n)
		for _, names := range kt.byNS {
			for _, obj := range names {
				out = append(out, obj)
			}
		}
		return out
	}
	// Walk the smallest posting set and check the rest of the selector on
	// each candidate.
	var smallest map[nsName]struct{}
	for k, v := range selector {
		set := kt.labels[label{k, v}]
		if len(set) == 0 {
			return []api.Object{}
		}
		if smallest == nil || len(set) < len(smallest) {
			smallest = set
		}
	}
	out := []api.Object{}
	if names := kt.byNS[namespace]; namespace != "" && len(names) < len(smallest) {
		// The label index is cluster-wide: another namespace may carry
		// thousands of the same label. Walk this namespace instead when it
		// holds fewer objects, so its lists cost what it holds.
		for _, obj := range names {
			if matches(obj.GetObjectMeta().Labels, selector) {
				out = append(out, obj)
			}
		}
		return out
	}
	for id := range smallest {
		if namespace != "" && id.namespace != namespace {
			continue
		}
		obj := kt.byNS[id.namespace][id.name]
		if matches(obj.GetObjectMeta().Labels, selector) {
			out = append(out, obj)
		}
	}
	return out
}

// matches reports whether labels include every key=value of selector.
func matches(labels, selector map[string]string) bool {
	for k, v := range selector {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}
