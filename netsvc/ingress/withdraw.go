package ingress

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"time"

	"github.com/shoal-dev/shoal/netsvc/ingress/route"
)

// Withdrawn endpoints. When a routing table no longer lists an endpoint
// (its pod was deleted, failed, or its node was found gone), a request
// sent there whose response head has not arrived may never get one: a
// machine that lost power answers nothing, and the request would wait
// for the response header timeout. Such a request is cancelled at once
// and, when it is safe to send again (retryable: idempotent, no body),
// tried on another endpoint, as a refused connection is. Requests whose
// answer has begun finish where they are, and so do requests that are
// not safe to repeat (a pod terminating gracefully still answers them).

// maxWithdrawals bounds how often one request is moved because its
// endpoint was withdrawn (routing tables that change again and again).
const maxWithdrawals = 8

// errWithdrawn is the cause of an attempt cancelled because its endpoint
// left the routing table.
var errWithdrawn = errors.New("endpoint withdrawn from the routing table")

// withdrawAfter is how long an endpoint must stay out of the routing
// tables before its waiting requests are moved: tables that drop an
// endpoint for a moment (a brief readiness flap, tables swapped in quick
// succession) leave its requests alone.
const withdrawAfter = 500 * time.Millisecond

// attempts are the cancel functions of the retryable requests sent to one
// endpoint whose response head has not arrived yet.
type attempts struct {
	mu        sync.Mutex
	cancels   map[*context.CancelCauseFunc]struct{}
	withdrawn bool
	// listed counts the tables that listed the endpoint; a withdrawal
	// scheduled while it was missing goes ahead only if no table listed
	// it since. scheduled is the count a withdrawal is pending for.
	listed    uint64
	scheduled uint64
	pending   bool
}

// start registers cancel; it returns false (and registers nothing) when
// the endpoint is withdrawn.
func (a *attempts) start(cancel *context.CancelCauseFunc) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.withdrawn {
		return false
	}
	if a.cancels == nil {
		a.cancels = map[*context.CancelCauseFunc]struct{}{}
	}
	a.cancels[cancel] = struct{}{}
	return true
}

// done unregisters cancel: the answer began, or the attempt failed.
func (a *attempts) done(cancel *context.CancelCauseFunc) {
	a.mu.Lock()
	delete(a.cancels, cancel)
	a.mu.Unlock()
}

// missing notes that a table does not list the endpoint; it returns the
// listing count to withdraw at, and false when a withdrawal is already
// pending for it (or done).
func (a *attempts) missing() (uint64, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.withdrawn || a.pending && a.scheduled == a.listed {
		return 0, false
	}
	a.pending, a.scheduled = true, a.listed
	return a.listed, true
}

// withdrawAt cancels every registered attempt and refuses new ones until
// the endpoint is listed again, unless a table listed it after listed.
func (a *attempts) withdrawAt(listed uint64) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.listed != listed {
		return 0
	}
	a.pending = false
	a.withdrawn = true
	n := len(a.cancels)
	for c := range a.cancels {
		(*c)(errWithdrawn)
	}
	a.cancels = nil
	return n
}

// back marks the endpoint listed by a table.
func (a *attempts) back() {
	a.mu.Lock()
	a.withdrawn = false
	a.pending = false
	a.listed++
	a.mu.Unlock()
}

// backendLister is a routing table that can list its backends
// (route.Table), which withdrawal needs.
type backendLister interface {
	Backends() []*route.Backend
}

// listedEndpoints is every endpoint of every backend of r, or nil when r
// cannot list them (then nothing is withdrawn).
func listedEndpoints(r Routes) map[netip.AddrPort]bool {
	bl, ok := r.(backendLister)
	if !ok {
		return nil
	}
	out := map[netip.AddrPort]bool{}
	for _, be := range bl.Backends() {
		for _, a := range be.Endpoints {
			out[a] = true
		}
	}
	return out
}

// markListed lets requests go to the endpoints listed again; SetRoutes
// calls it before the table that lists them is visible.
func (b *balancer) markListed(listed map[netip.AddrPort]bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for a, e := range b.endpoints {
		if listed[a] {
			e.attempts.back()
		}
	}
}

// withdrawMissing schedules the withdrawal, withdrawAfter from now, of
// every known endpoint that listed is not in; SetRoutes calls it once the
// table is visible, so that a request it cancels is routed again by the
// current table. done, if not nil, gets how many requests each
// withdrawal cancelled.
func (b *balancer) withdrawMissing(listed map[netip.AddrPort]bool, done func(addr string, n int)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for a, e := range b.endpoints {
		if listed[a] {
			continue
		}
		at, ok := e.attempts.missing()
		if !ok {
			continue
		}
		time.AfterFunc(withdrawAfter, func() {
			if n := e.attempts.withdrawAt(at); n > 0 && done != nil {
				done(e.hostport, n)
			}
		})
	}
}

// reroute matches a request whose endpoint was withdrawn against the
// current routing table, so that it is tried on the endpoints listed now;
// it returns the endpoints already tried that the new pool still has.
func (p *Proxy) reroute(st *reqState, tried []*endpoint) []*endpoint {
	routes := p.currentRoutes()
	if routes == nil {
		return tried
	}
	be, ok := routes.Match(st.host, st.path)
	if !ok || be == st.backend {
		return tried
	}
	st.backend, st.pool = be, p.bal.poolOf(be, p.now().UnixNano())
	var still []*endpoint
	for _, e := range tried {
		if contains(st.pool.eps, e) {
			still = append(still, e)
		}
	}
	return still
}
