package apiserver

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// joinLimiter is a token bucket per source address (per /64 for IPv6),
// kept in a bounded map: join is the one unauthenticated endpoint that
// does real work.
type joinLimiter struct {
	burst   float64
	every   time.Duration
	mu      sync.Mutex
	buckets map[netip.Addr]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newJoinLimiter(burst int, every time.Duration) *joinLimiter {
	return &joinLimiter{burst: float64(burst), every: every, buckets: map[netip.Addr]*bucket{}}
}

// allow takes a token for the request's source address at now.
func (l *joinLimiter) allow(remoteAddr string, now time.Time) bool {
	key := sourceKey(remoteAddr)
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxJoinSources {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.last))/float64(l.every))
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// sweep drops buckets that have refilled (they hold nothing a new bucket
// would not); if every source is still throttled, it forgets them all
// rather than grow without bound.
func (l *joinLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.last))/float64(l.every) >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxJoinSources {
		clear(l.buckets)
	}
}

// sourceKey is the address a request came from, IPv6 cut to its /64.
func sourceKey(remoteAddr string) netip.Addr {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}
