package apiserver

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// benchConfigMap is the object BenchmarkRaftWrites (e2e) applies.
const benchConfigMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: %s
  labels:
    app: demo
data:
  greeting: v
`

// BenchmarkApplyHandler is the API's own work per write, without network
// or Raft: POST /v1/apply of one small ConfigMap (YAML or JSON) through
// authentication, decoding, admission and the FSM of a single-node store.
// Profile it with -cpuprofile to see what a write costs on the leader
// besides the log.
func BenchmarkApplyHandler(b *testing.B) {
	bodies := map[string]func(i int) string{
		"yaml": func(i int) string { return fmt.Sprintf(benchConfigMap, fmt.Sprintf("b-%d", i)) },
		"json": func(i int) string {
			return fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b-%d","labels":{"app":"demo"}},"data":{"greeting":"v"}}`, i)
		},
	}
	for _, format := range []string{"yaml", "json"} {
		b.Run(format, func(b *testing.B) {
			_, h, tok := newTestAPI(b)
			auth := "Bearer " + tok.String()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				req := httptest.NewRequest(http.MethodPost, "/v1/apply", strings.NewReader(bodies[format](i)))
				req.Header.Set("Authorization", auth)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("apply: got %d %s, want 200", rec.Code, rec.Body)
				}
			}
		})
	}
}
