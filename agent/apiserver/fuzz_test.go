package apiserver

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// FuzzAPIRequest feeds arbitrary bodies to the decoders the HTTP API runs
// on requests: manifests (apply, delete -f), single objects (PUT) and
// join requests (forwarded command results: propose.FuzzWireResult). None
// may panic; what decodes must re-encode.
func FuzzAPIRequest(f *testing.F) {
	f.Add("ConfigMap", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n"))
	f.Add("Deployment", []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx:1"}]}}}}`))
	f.Add("Service", []byte(`{"kind":"List","items":[{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80}]}}]}`))
	f.Add("Node", []byte(`{"name":"n2","secret":"abc","csr":"-----BEGIN CERTIFICATE REQUEST-----","addr":"10.0.0.2"}`))
	f.Add("Secret", []byte(`{"objects":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}],"code":"conflict","error":"x"}`))
	f.Fuzz(func(t *testing.T, kind string, body []byte) {
		if objs, err := api.Decode(body); err == nil {
			for _, o := range objs {
				if _, err := json.Marshal(o); err != nil {
					t.Fatalf("decoded object does not encode: %v", err)
				}
			}
		}
		if k, ok := api.LookupKind(kind); ok {
			_, _ = api.DecodeObject(body, api.DecodeOptions{Kind: k.Name})
		}
		var jr JoinRequest
		_ = json.Unmarshal(body, &jr)
		_, _ = api.DecodeObject(body, api.DecodeOptions{Stored: true})
	})
}

// FuzzJoin sends arbitrary bodies from arbitrary addresses to the real
// join handler (the one endpoint anyone can call): it never panics,
// answers one of the statuses it documents, and never echoes the
// caller's text unbounded.
func FuzzJoin(f *testing.F) {
	f.Add("10.0.0.1:1", []byte(`{"name":"n2","secret":"abc","csr":"-----BEGIN CERTIFICATE REQUEST-----","addr":"10.0.0.2"}`))
	f.Add("[2001:db8::1]:9", []byte(`{"name":"`+strings.Repeat("a", 100)+`","secret":"","addr":"::1"}`))
	f.Add("garbage", []byte(`{{{`))
	f.Add("10.0.0.1:1", bytes.Repeat([]byte("x"), 9<<10))
	ls := newLimitedServer(f, Limits{JoinBurst: 1000, JoinEvery: time.Millisecond})
	h := ls.s.Handler()
	allowed := map[int]bool{400: true, 403: true, 409: true, 413: true, 429: true}
	f.Fuzz(func(t *testing.T, remote string, body []byte) {
		req := httptest.NewRequest("POST", "/v1/join", bytes.NewReader(body))
		req.RemoteAddr = remote
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !allowed[rec.Code] {
			t.Fatalf("got status %d (%s), want one of 400, 403, 409, 413, 429", rec.Code, truncate(rec.Body.String(), 200))
		}
		if rec.Body.Len() > 2048 {
			t.Fatalf("answer is %d bytes, want at most 2048", rec.Body.Len())
		}
	})
}

// FuzzPeerEndpoints sends arbitrary bodies to the endpoints a node
// certificate reaches that parse a body of their own (a passed-on join, a
// certificate renewal): they never panic, answer only the statuses they
// document, and echo nothing unbounded.
func FuzzPeerEndpoints(f *testing.F) {
	f.Add(true, []byte(`{"name":"n2","secret":"abc","csr":"-----BEGIN CERTIFICATE REQUEST-----","addr":"10.0.0.2"}`))
	f.Add(false, []byte(`{"csr":"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----"}`))
	f.Add(false, []byte(`{{{`))
	f.Add(true, bytes.Repeat([]byte("x"), 9<<10))
	ls := newLimitedServer(f, Limits{})
	h := ls.s.Handler()
	leaf := ls.tls.Leaf()
	f.Fuzz(func(t *testing.T, join bool, body []byte) {
		path, allowed := "/internal/v1/renew", map[int]bool{200: true, 400: true, 403: true, 413: true}
		if join {
			path, allowed = "/internal/v1/join", map[int]bool{400: true, 403: true, 409: true, 413: true}
		}
		req := httptest.NewRequest("POST", path, bytes.NewReader(body))
		req.TLS = &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{leaf}}, PeerCertificates: []*x509.Certificate{leaf}}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !allowed[rec.Code] {
			t.Fatalf("%s: got status %d (%s), want one of %v", path, rec.Code, truncate(rec.Body.String(), 200), allowed)
		}
		if rec.Body.Len() > 2048 {
			t.Fatalf("%s: answer is %d bytes, want at most 2048", path, rec.Body.Len())
		}
	})
}
