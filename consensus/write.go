package consensus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// applyPut runs p as the write at Raft index: check everything, then write
// everything. The returned objects are as stored, one per input object. On
// error nothing changes, but the index still advances.
func (s *Store) applyPut(index uint64, p Put) ([]api.Object, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	changes, stored, err := s.planPut(index, p)
	if err != nil {
		s.commit(index, nil)
		return nil, err
	}
	s.commit(index, changes)
	return stored, nil
}

// applyDelete runs d as the write at Raft index. It returns, one per key,
// the removed objects as they were last stored and the pods marked
// Terminating as they are now stored.
func (s *Store) applyDelete(index uint64, d Delete) ([]api.Object, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	changes, result, err := s.planDelete(index, d)
	if err != nil {
		s.commit(index, nil)
		return nil, err
	}
	s.commit(index, changes)
	return result, nil
}

// advance records that the entry at index was applied without changing
// state.
func (s *Store) advance(index uint64) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.commit(index, nil)
}

// planPut checks p against the current state and returns the writes it
// makes. The objects of p belong to the command (they were decoded from the
// log entry): they are stamped in place and become the stored objects.
func (s *Store) planPut(index uint64, p Put) (changes []change, stored []api.Object, err error) {
	if err := validatePut(p); err != nil {
		return nil, nil, err
	}
	rv := strconv.FormatUint(index, 10)
	created := p.Time.UTC().Truncate(time.Second)
	stored = make([]api.Object, len(p.Objects))
	for i, in := range p.Objects {
		key := api.KeyOf(in)
		old := s.lookup(key)
		if err := checkPreconditions(key, in.GetObjectMeta(), old); err != nil {
			return nil, nil, err
		}
		var obj api.Object
		switch {
		case p.Mode == ModeStatus && old == nil:
			return nil, nil, fmt.Errorf("put status %s: %w", key, ErrNotFound)
		case p.Mode == ModeStatus:
			if obj, err = withStatusOf(old, in); err != nil {
				return nil, nil, fmt.Errorf("put status %s: %w", key, err)
			}
		case p.Mode == ModeApply && hasStatus(key.Kind):
			// Status is never taken from an apply; a new object has none.
			if obj, err = withStatusOf(in, old); err != nil {
				return nil, nil, fmt.Errorf("put %s: %w", key, err)
			}
		default:
			// The decoded input belongs to this command; no copy needed.
			obj = in
		}
		m := obj.GetObjectMeta()
		if old == nil {
			m.UID = uidFor(index, i, p.Time)
			ts := created
			m.CreationTimestamp = &ts
			m.Generation = 1
			if p.Mode == ModeApply {
				m.DeletionTimestamp, m.DeletionGracePeriodSeconds = nil, nil
			}
			m.ResourceVersion = rv
			changes = append(changes, change{new: obj})
			stored[i] = obj
			continue
		}
		om := old.GetObjectMeta()
		m.UID, m.CreationTimestamp, m.Generation = om.UID, om.CreationTimestamp, om.Generation
		if p.Mode == ModeApply || om.DeletionTimestamp != nil {
			// A graceful deletion, once started, is only ever changed by
			// another delete: no write brings the object back.
			m.DeletionTimestamp, m.DeletionGracePeriodSeconds = om.DeletionTimestamp, om.DeletionGracePeriodSeconds
		}
		if p.Mode != ModeStatus && !api.SpecEqual(old, obj) {
			m.Generation++
		} else if same, err := unchanged(old, obj); err != nil {
			return nil, nil, fmt.Errorf("put %s: %w", key, err)
		} else if same {
			// Writing what is already stored is not a write: no new
			// resourceVersion, no event.
			stored[i] = old
			continue
		}
		m.ResourceVersion = rv
		changes = append(changes, change{old: old, new: obj})
		stored[i] = obj
	}
	return changes, stored, nil
}

func (s *Store) planDelete(index uint64, d Delete) (changes []change, result []api.Object, err error) {
	if err := validateDelete(d); err != nil {
		return nil, nil, err
	}
	force := map[api.Key]bool{}
	if d.Grace != nil {
		for _, k := range d.Grace.Force {
			force[k] = true
		}
	}
	pre := make(map[api.Key]Precondition, len(d.Preconditions))
	for _, p := range d.Preconditions {
		pre[p.Key] = p
	}
	changes = make([]change, 0, len(d.Keys))
	result = make([]api.Object, 0, len(d.Keys))
	for _, key := range d.Keys {
		old := s.lookup(key)
		if old == nil {
			return nil, nil, fmt.Errorf("delete %s: %w", key, ErrNotFound)
		}
		if p, ok := pre[key]; ok {
			om := old.GetObjectMeta()
			if p.ResourceVersion != "" && p.ResourceVersion != om.ResourceVersion {
				return nil, nil, fmt.Errorf("delete %s: resourceVersion is %s, not %s: %w", key, om.ResourceVersion, p.ResourceVersion, ErrConflict)
			}
			if p.UID != "" && p.UID != om.UID {
				return nil, nil, fmt.Errorf("delete %s: uid is %s, not %s: %w", key, om.UID, p.UID, ErrConflict)
			}
		}
		if pod, ok := old.(*api.Pod); ok && d.Grace != nil && !force[key] {
			if marked, keep := terminating(pod, *d.Grace, index); keep {
				if marked != nil {
					changes = append(changes, change{old: old, new: marked})
					result = append(result, marked)
				} else {
					result = append(result, old)
				}
				continue
			}
		}
		changes = append(changes, change{old: old})
		result = append(result, old)
	}
	return changes, result, nil
}

// terminating applies a graceful delete to a stored pod. keep is false
// when the pod must be removed at once (unbound, finished, or no grace).
// Otherwise marked is the pod marked Terminating, stamped with index, or
// nil if it is already Terminating with a deadline no later than this
// delete's.
func terminating(pod *api.Pod, g Grace, index uint64) (marked *api.Pod, keep bool) {
	seconds := int64(api.DefaultTerminationGracePeriodSeconds)
	switch {
	case g.Seconds != nil:
		seconds = *g.Seconds
	case pod.Spec.TerminationGracePeriodSeconds != nil:
		seconds = *pod.Spec.TerminationGracePeriodSeconds
	}
	finished := pod.Status.Phase == api.PodSucceeded || pod.Status.Phase == api.PodFailed
	if pod.Spec.NodeName == "" || finished || seconds <= 0 {
		return nil, false
	}
	deadline := g.Time.UTC().Truncate(time.Second).Add(time.Duration(seconds) * time.Second)
	if old := pod.DeletionTimestamp; old != nil && !deadline.Before(*old) {
		return nil, true
	}
	marked = api.DeepCopy(pod)
	marked.DeletionTimestamp = &deadline
	marked.DeletionGracePeriodSeconds = &seconds
	marked.ResourceVersion = strconv.FormatUint(index, 10)
	return marked, true
}

// checkPreconditions compares the resourceVersion and uid an input object
// carries with the stored object old (nil if absent).
func checkPreconditions(key api.Key, in *api.ObjectMeta, old api.Object) error {
	switch rv := in.ResourceVersion; {
	case rv == "":
	case rv == "0" && old != nil:
		return fmt.Errorf("put %s: resourceVersion 0 requires that it not exist: %w", key, ErrConflict)
	case rv != "0" && old == nil:
		return fmt.Errorf("put %s: resourceVersion %s, but it does not exist: %w", key, rv, ErrConflict)
	case rv != "0" && rv != old.GetObjectMeta().ResourceVersion:
		return fmt.Errorf("put %s: resourceVersion is %s, not %s: %w", key, old.GetObjectMeta().ResourceVersion, rv, ErrConflict)
	}
	if old != nil && in.UID != "" && in.UID != old.GetObjectMeta().UID {
		return fmt.Errorf("put %s: uid is %s, not %s: %w", key, old.GetObjectMeta().UID, in.UID, ErrConflict)
	}
	return nil
}

// unchanged reports whether a and b marshal identically apart from their
// resourceVersion.
func unchanged(a, b api.Object) (bool, error) {
	am, bm := a.GetObjectMeta(), b.GetObjectMeta()
	saved := bm.ResourceVersion
	bm.ResourceVersion = am.ResourceVersion
	defer func() { bm.ResourceVersion = saved }()
	ja, err := json.Marshal(a)
	if err != nil {
		return false, err
	}
	jb, err := json.Marshal(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(ja, jb), nil
}

func validatePut(p Put) error {
	switch p.Mode {
	case ModeApply, ModeStatus, ModeReplace:
	default:
		return fmt.Errorf("put: unknown mode %q: %w", p.Mode, ErrInvalid)
	}
	if p.Time.IsZero() {
		return fmt.Errorf("put: no time: %w", ErrInvalid)
	}
	if len(p.Objects) == 0 {
		return fmt.Errorf("put: no objects: %w", ErrInvalid)
	}
	seen := make(map[api.Key]bool, len(p.Objects))
	for i, obj := range p.Objects {
		if obj == nil {
			return fmt.Errorf("put: object %d is nil: %w", i, ErrInvalid)
		}
		key := api.KeyOf(obj)
		if err := validateKey(key); err != nil {
			return fmt.Errorf("put: object %d: %w", i, err)
		}
		if p.Mode == ModeStatus && !hasStatus(key.Kind) {
			return fmt.Errorf("put status %s: kind has no status: %w", key, ErrInvalid)
		}
		if seen[key] {
			return fmt.Errorf("put %s: given twice: %w", key, ErrInvalid)
		}
		seen[key] = true
	}
	return nil
}

func validateDelete(d Delete) error {
	if len(d.Keys) == 0 {
		return fmt.Errorf("delete: no keys: %w", ErrInvalid)
	}
	if g := d.Grace; g != nil {
		if g.Time.IsZero() {
			return fmt.Errorf("delete: graceful without a time: %w", ErrInvalid)
		}
		if g.Seconds != nil && *g.Seconds < 0 {
			return fmt.Errorf("delete: grace period %d s is negative: %w", *g.Seconds, ErrInvalid)
		}
		if g.Seconds != nil && *g.Seconds > api.MaxGracePeriodSeconds {
			return fmt.Errorf("delete: grace period %d s is over %d s: %w", *g.Seconds, api.MaxGracePeriodSeconds, ErrInvalid)
		}
	}
	deleted := make(map[api.Key]bool, len(d.Keys))
	for _, key := range d.Keys {
		deleted[key] = true
	}
	if d.Grace != nil {
		for _, k := range d.Grace.Force {
			if !deleted[k] {
				return fmt.Errorf("delete: forced %s, which is not deleted: %w", k, ErrInvalid)
			}
		}
	}
	seen := make(map[api.Key]bool, len(d.Keys))
	for _, key := range d.Keys {
		if err := validateKey(key); err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		if seen[key] {
			return fmt.Errorf("delete %s: given twice: %w", key, ErrInvalid)
		}
		seen[key] = true
	}
	guarded := make(map[api.Key]bool, len(d.Preconditions))
	for _, p := range d.Preconditions {
		if !seen[p.Key] {
			return fmt.Errorf("delete: precondition for %s, which is not deleted: %w", p.Key, ErrInvalid)
		}
		if guarded[p.Key] {
			return fmt.Errorf("delete %s: two preconditions: %w", p.Key, ErrInvalid)
		}
		guarded[p.Key] = true
	}
	return nil
}

// validateKey checks that key names a registered kind, has a name, and has a
// namespace exactly when the kind is namespaced.
func validateKey(key api.Key) error {
	kind, ok := api.LookupKind(key.Kind)
	if !ok || kind.Name != key.Kind {
		return fmt.Errorf("%s: unknown kind %q: %w", key, key.Kind, ErrInvalid)
	}
	switch {
	case key.Name == "":
		return fmt.Errorf("%s: no name: %w", key, ErrInvalid)
	case kind.Namespaced && key.Namespace == "":
		return fmt.Errorf("%s: namespaced kind without namespace: %w", key, ErrInvalid)
	case !kind.Namespaced && key.Namespace != "":
		return fmt.Errorf("%s: cluster-scoped kind with namespace: %w", key, ErrInvalid)
	}
	return nil
}
