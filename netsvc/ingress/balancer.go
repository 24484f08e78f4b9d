package ingress

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoal-dev/shoal/netsvc/ingress/route"
)

// endpoint is the proxy's state of one pod address: requests in flight
// and passive health. It is keyed by address and outlives table swaps, so
// a rebuilt table keeps an endpoint's ejection and load.
type endpoint struct {
	addr     netip.AddrPort
	hostport string // addr.String(), computed once
	inflight atomic.Int64
	// ejectedUntil is the unix-nano time the endpoint is back, 0 if never
	// ejected; failures counts consecutive refused connections.
	ejectedUntil atomic.Int64
	failures     atomic.Int32
	// lastUsed (unix nanos) lets prune drop endpoints gone from the table.
	lastUsed atomic.Int64
	// idle is the keep-alive connections of the synchronous HTTP/1.1
	// path to this endpoint.
	idle idlePool
	// attempts are the retryable requests waiting for its answer, which
	// are cancelled (and tried elsewhere) if it is withdrawn.
	attempts attempts
}

func (e *endpoint) ejected(now int64) bool { return e.ejectedUntil.Load() > now }

// balancer holds every endpoint's state and, per table, the endpoints of
// each backend resolved once.
type balancer struct {
	mu        sync.Mutex
	endpoints map[netip.AddrPort]*endpoint
	// pools caches a backend's endpoint states; replaced on each table
	// swap so old backends are not kept alive.
	pools atomic.Pointer[sync.Map] // *route.Backend → *pool
}

// pool is one backend's endpoints and its round-robin cursor.
type pool struct {
	eps  []*endpoint
	next atomic.Uint32
	// ingress and service are the metric and log labels ("ns/name").
	ingress, service string
	// metrics are the metric handles of the backend, set on first use.
	metrics atomic.Pointer[poolMetrics]
}

func newBalancer() *balancer {
	b := &balancer{endpoints: map[netip.AddrPort]*endpoint{}}
	b.pools.Store(new(sync.Map))
	return b
}

// swapped forgets per-table caches and drops endpoint states unused for
// longer than idle and not in use.
func (b *balancer) swapped(now time.Time, idle time.Duration) {
	b.pools.Store(new(sync.Map))
	cut := now.Add(-idle).UnixNano()
	b.mu.Lock()
	defer b.mu.Unlock()
	for a, e := range b.endpoints {
		if e.lastUsed.Load() < cut && e.inflight.Load() == 0 && !e.ejected(now.UnixNano()) {
			delete(b.endpoints, a)
			e.idle.closeIdle(true)
		}
	}
}

// closeIdle closes the idle keep-alive connections of every endpoint.
func (b *balancer) closeIdle() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.endpoints {
		e.idle.closeIdle(false)
	}
}

// poolOf returns the endpoint states of backend be; now (unix nanos)
// marks them used, so that prune keeps them while the table has them.
func (b *balancer) poolOf(be *route.Backend, now int64) *pool {
	pools := b.pools.Load()
	if p, ok := pools.Load(be); ok {
		return p.(*pool)
	}
	p := &pool{
		eps:     make([]*endpoint, len(be.Endpoints)),
		ingress: be.Ingress.Namespace + "/" + be.Ingress.Name,
		service: be.Service.Namespace + "/" + be.Service.Name,
	}
	b.mu.Lock()
	for i, a := range be.Endpoints {
		e := b.endpoints[a]
		if e == nil {
			e = &endpoint{addr: a, hostport: a.String()}
			b.endpoints[a] = e
		}
		e.lastUsed.Store(now)
		p.eps[i] = e
	}
	b.mu.Unlock()
	actual, _ := pools.LoadOrStore(be, p)
	return actual.(*pool)
}

// pick returns the endpoint with the fewest requests in flight among
// those not ejected and not in tried, ties going round robin. When every
// untried endpoint is ejected it ignores ejection (better a likely failure
// than a certain one); nil when all were tried.
func (p *pool) pick(now int64, tried []*endpoint) *endpoint {
	n := len(p.eps)
	if n == 0 {
		return nil
	}
	start := int(p.next.Add(1)-1) % n
	var best, fallback *endpoint
	var bestLoad int64
	for i := range n {
		e := p.eps[(start+i)%n]
		if contains(tried, e) {
			continue
		}
		if e.ejected(now) {
			if fallback == nil || e.ejectedUntil.Load() < fallback.ejectedUntil.Load() {
				fallback = e
			}
			continue
		}
		if l := e.inflight.Load(); best == nil || l < bestLoad {
			best, bestLoad = e, l
			if l == 0 {
				break
			}
		}
	}
	if best == nil {
		return fallback
	}
	return best
}

func contains(s []*endpoint, e *endpoint) bool {
	for _, x := range s {
		if x == e {
			return true
		}
	}
	return false
}

// failed records a refused connection; it reports whether the endpoint
// was newly ejected (not already out).
func (e *endpoint) failed(now time.Time, base, max time.Duration) bool {
	n := e.failures.Add(1)
	d := base
	for i := int32(1); i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	was := e.ejected(now.UnixNano())
	e.ejectedUntil.Store(now.Add(d).UnixNano())
	return !was
}

// succeeded records a connection that worked, ending an ejection streak.
func (e *endpoint) succeeded() {
	if e.failures.Load() != 0 {
		e.failures.Store(0)
		e.ejectedUntil.Store(0)
	}
}
