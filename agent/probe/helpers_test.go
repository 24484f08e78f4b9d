package probe

import (
	"context"
	"errors"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// newProbeServer serves the paths the HTTP probe tests hit on loopback,
// over TLS when tlsOn is set, and returns it with its port.
func newProbeServer(t testing.TB, tlsOn bool) (*httptest.Server, int32) {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("/ok", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://elsewhere.invalid/", http.StatusFound)
	})
	mux.HandleFunc("/notfound", http.NotFound)
	mux.HandleFunc("/error", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "broken", http.StatusInternalServerError)
	})
	mux.HandleFunc("/slow", func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	mux.HandleFunc("/headers", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Probe") != "yes" || r.Host != "app.example" || r.UserAgent() != "custom" {
			http.Error(w, "missing headers", http.StatusBadRequest)
		}
	})
	mux.HandleFunc("/query", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("deep") != "1" {
			http.Error(w, "missing query", http.StatusBadRequest)
		}
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ErrorLog = log.New(testWriter{t}, "", 0)
	if tlsOn {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv, portOf(t, srv.URL)
}

// portOf is the port of a loopback URL.
func portOf(t testing.TB, raw string) int32 {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatalf("port of %q: %v", raw, err)
	}
	return int32(p)
}

// closedPort is a loopback port nothing listens on.
func closedPort(t testing.TB) int32 {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	port := int32(l.Addr().(*net.TCPAddr).Port)
	if err := l.Close(); err != nil {
		t.Fatalf("close listener: %v", err)
	}
	return port
}

// fakeExec is an Execer answering from a script of exit codes (-1 is an
// exec error; the last entry repeats), or blocking until release closes
// without looking at its context when block is set.
type fakeExec struct {
	script []int
	output string
	block  bool

	release chan struct{}
	mu      sync.Mutex
	calls   int
	gotID   string
	gotArgs []string
}

func newFakeExec(t testing.TB, script ...int) *fakeExec {
	f := &fakeExec{script: script, release: make(chan struct{})}
	t.Cleanup(func() { close(f.release) })
	return f
}

func (f *fakeExec) Exec(_ context.Context, id string, args []string) (int, []byte, error) {
	f.mu.Lock()
	f.calls++
	f.gotID, f.gotArgs = id, args
	i := min(f.calls, len(f.script)) - 1
	f.mu.Unlock()
	if f.block {
		<-f.release
		return 0, nil, nil
	}
	if i < 0 || f.script[i] < 0 {
		return 0, nil, errExecFailed
	}
	return f.script[i], []byte(f.output), nil
}

func (f *fakeExec) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

var errExecFailed = errors.New("runtime unavailable")

func httpProbe(path string, port api.IntOrString) api.Probe {
	return api.Probe{HTTPGet: &api.HTTPGetAction{Path: path, Port: port}}
}

// testWriter routes a log.Logger to t.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
