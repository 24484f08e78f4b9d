package ingress

import (
	"io"
	"strings"
	"testing"
	"time"
)

// A request waiting on an endpoint that the next routing table no longer
// lists (its machine lost power) is cancelled at once and, when safe to
// repeat, answered by another endpoint; one that is not safe to repeat
// keeps waiting where it is (a pod terminating gracefully still answers).
func TestWithdrawnEndpointRequestsGoElsewhere(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		body      string
		wantMoved bool
	}{
		{name: "a GET is tried on another endpoint", method: "GET", wantMoved: true},
		{name: "a POST stays with its endpoint", method: "POST", body: "x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			good := namedBackend(t, "good")
			hang, seen, release := hangingAddr(t)
			defer release() // before the proxy waits for its requests at cleanup
			// One endpoint at first, so the request goes to it.
			tp := startProxy(t, Config{}, anyHost(backendFor("svc", hang)))
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			req := newReq(t, tc.method, tp.url+"/", "h", body)
			type answer struct {
				code int
				body string
			}
			answered := make(chan answer, 1)
			go func() {
				res, err := client().Do(req)
				if err != nil {
					answered <- answer{body: err.Error()}
					return
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				answered <- answer{res.StatusCode, string(b)}
			}()
			if err := waitFor(func() bool { return seen.Load() == 1 }); err != nil {
				t.Fatalf("the request never reached the hanging endpoint: %v", err)
			}
			// The machine is gone: the next table lists only the good one.
			tp.SetRoutes(anyHost(backendFor("svc", addrOf(t, good))))
			select {
			case a := <-answered:
				if !tc.wantMoved {
					t.Fatalf("got an answer %d %q, want the request still waiting on its endpoint", a.code, a.body)
				}
				if a.code != 200 || a.body != "good" {
					t.Fatalf("got %d %q, want 200 \"good\"", a.code, a.body)
				}
			case <-time.After(2 * time.Second):
				if tc.wantMoved {
					t.Fatal("no answer 2 s after the endpoint was withdrawn")
				}
			}
			if n := seen.Load(); n != 1 {
				t.Errorf("the hanging endpoint read %d requests, want 1", n)
			}
		})
	}
}

// An endpoint dropped by one table and listed again by the next, within
// withdrawAfter, keeps its requests: tables swapped in quick succession
// or a brief readiness flap move nothing.
func TestEndpointListedAgainKeepsItsRequests(t *testing.T) {
	good := namedBackend(t, "good")
	hang, seen, release := hangingAddr(t)
	defer release()
	both := anyHost(backendFor("svc", hang, addrOf(t, good)))
	tp := startProxy(t, Config{}, anyHost(backendFor("svc", hang)))
	answered := make(chan int, 1)
	go func() {
		res, err := client().Do(newReq(t, "GET", tp.url+"/", "h", nil))
		if err != nil {
			answered <- 0
			return
		}
		_ = res.Body.Close()
		answered <- res.StatusCode
	}()
	if err := waitFor(func() bool { return seen.Load() == 1 }); err != nil {
		t.Fatalf("the request never reached the hanging endpoint: %v", err)
	}
	tp.SetRoutes(anyHost(backendFor("svc", addrOf(t, good))))
	tp.SetRoutes(both)
	select {
	case code := <-answered:
		t.Fatalf("got an answer %d, want the request still waiting on its endpoint", code)
	case <-time.After(withdrawAfter + time.Second):
	}
}
