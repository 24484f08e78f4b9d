package cni

import (
	"context"
	"fmt"
	"sync"
)

// preparedSet holds the uids whose network namespace PrepareNetNS made
// and no Setup or Teardown has used yet. It lives in memory only: after
// an agent restart a namespace without a CNI result is half-made again,
// and Setup clears it first.
type preparedSet struct {
	mu   sync.Mutex
	uids map[string]bool
}

func (s *preparedSet) add(uid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.uids == nil {
		s.uids = map[string]bool{}
	}
	s.uids[uid] = true
}

// take reports whether uid was prepared and forgets it.
func (s *preparedSet) take(uid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok := s.uids[uid]
	delete(s.uids, uid)
	return ok
}

func (s *preparedSet) has(uid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uids[uid]
}

// PrepareNetNS makes pod uid's network namespace (lo up, nothing else)
// ahead of Setup and returns its path, so containers can be created in it
// (runc create joins it) while Setup runs CNI ADD; Setup then uses it as
// it is. A pod that already has a sandbox keeps it; a half-made one is
// torn down first. Teardown removes a prepared namespace like any other.
func (n *Network) PrepareNetNS(uid string) (string, error) {
	if !validUID(uid) {
		return "", fmt.Errorf("cni: pod uid %q: want letters, digits, '-', '_' or '.'", uid)
	}
	defer n.locks.lock(uid)()
	path := n.nsPath(uid)
	if n.prepared.has(uid) && isNetNS(path) {
		return path, nil
	}
	if _, ok := n.Lookup(uid); ok {
		return path, nil
	}
	if err := n.teardown(context.Background(), uid); err != nil {
		return "", fmt.Errorf("cni: clear half-made sandbox of pod %s: %w", uid, err)
	}
	if err := createNetNS(path); err != nil {
		return "", err
	}
	n.prepared.add(uid)
	return path, nil
}
