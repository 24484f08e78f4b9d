package cni

import "sync"

// uidLocks serialises Setup and Teardown of one pod.
type uidLocks struct {
	mu    sync.Mutex
	locks map[string]*uidLock
}

type uidLock struct {
	sync.Mutex
	users int
}

// lock locks uid and returns the unlock function.
func (l *uidLocks) lock(uid string) func() {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*uidLock{}
	}
	k := l.locks[uid]
	if k == nil {
		k = &uidLock{}
		l.locks[uid] = k
	}
	k.users++
	l.mu.Unlock()
	k.Lock()
	return func() {
		k.Unlock()
		l.mu.Lock()
		if k.users--; k.users == 0 {
			delete(l.locks, uid)
		}
		l.mu.Unlock()
	}
}
