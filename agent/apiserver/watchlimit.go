package apiserver

import (
	"fmt"
	"net/http"
	"sync"
)

// watchLimiter counts open streams (watches, port-forwards) in total and
// per client.
type watchLimiter struct {
	what           string // plural noun for messages: "watches"
	max, perClient int
	mu             sync.Mutex
	total          int
	byClient       map[string]int
}

func newWatchLimiter(max, perClient int) *watchLimiter {
	return newStreamLimiter("watches", max, perClient)
}

// newStreamLimiter counts streams of another kind, named what in
// messages.
func newStreamLimiter(what string, max, perClient int) *watchLimiter {
	return &watchLimiter{what: what, max: max, perClient: perClient, byClient: map[string]int{}}
}

// acquire reserves a stream for client; release must follow when err is
// nil.
func (l *watchLimiter) acquire(client string) (release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byClient[client] >= l.perClient {
		return nil, fmt.Errorf("too many %s: %s has %d open, the limit per client is %d; close some first", l.what, client, l.byClient[client], l.perClient)
	}
	if l.total >= l.max {
		return nil, fmt.Errorf("too many %s: this agent serves %d, its limit; try again later or through another agent", l.what, l.total)
	}
	l.total++
	l.byClient[client]++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.total--
			if l.byClient[client]--; l.byClient[client] <= 0 {
				delete(l.byClient, client)
			}
		})
	}, nil
}

// clientID names who is asking: the node certificate's name for agents,
// the source address for token users.
func clientID(r *http.Request) string {
	if isPeer(r) && len(r.TLS.PeerCertificates) > 0 {
		return "node " + r.TLS.PeerCertificates[0].Subject.CommonName
	}
	return "address " + sourceKey(r.RemoteAddr).String()
}

// limitWatches refuses a watch beyond the caps with 429.
func (s *Server) limitWatches(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		release, err := s.watches.acquire(clientID(r))
		if err != nil {
			w.Header().Set("Retry-After", "10")
			writeError(w, http.StatusTooManyRequests, err)
			return
		}
		defer release()
		h(w, r)
	}
}
