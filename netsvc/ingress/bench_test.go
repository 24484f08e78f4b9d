package ingress

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkProxy measures parallel GETs of a small response through the
// proxy and, for comparison in the same run, straight to the backend.
// Run: go test -run '^$' -bench Proxy -cpu 2 ./netsvc/ingress/
func BenchmarkProxy(b *testing.B) {
	backend := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello, world\n")
	}))
	var conns atomic.Int64 // connections the backend accepted: keep-alive works if few
	backend.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	backend.Start()
	b.Cleanup(backend.Close)
	tp := startProxy(b, Config{}, anyHost(backendFor("svc", addrOf(b, backend))))
	for _, bc := range []struct{ name, url string }{
		{"direct", backend.URL + "/"},
		{"proxy", tp.url + "/"},
		{"proxy-tls", "https://" + tp.tlsAddr + "/"}, // HTTP/1.1 over TLS, like wrk
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 256,
				TLSClientConfig: &tls.Config{ServerName: "app.example", InsecureSkipVerify: true}}}
			defer c.CloseIdleConnections()
			b.SetParallelism(32) // 32 × GOMAXPROCS concurrent clients
			before := conns.Load()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("GET", bc.url, nil)
					req.Host = "app.example"
					resp, err := c.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("got %d, want 200", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
			b.ReportMetric(float64(conns.Load()-before), "backend-conns")
		})
	}
}
