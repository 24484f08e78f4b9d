package apiserver

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
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

// FuzzInternalApply sends arbitrary commands to the real
// /internal/v1/apply handler of leader n1 under node n2's certificate,
// over a fresh store of the fixtures (restrictFixtures) each time: raw
// bodies, and Puts and Deletes built around arbitrary objects, kinds and
// modes. It never panics, answers one of the statuses it documents, and
// never commits anything outside n2's scope: the status of n2's pods and
// Node, events from n2, and the removal of n2's pods and their events.
func FuzzInternalApply(f *testing.F) {
	rs := newRestrictedServer(f)
	state := tlsState(f, rs.ca, "n2")
	h := rs.s.Handler()
	podStatus := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-2","namespace":"default","uid":"%s"},"spec":{"containers":[{"name":"c","image":"busybox"}]},"status":{"phase":"Running","podIP":"10.42.2.9"}}`
	uid := func(name string) string {
		o, _ := rs.s.cfg.View.Get("Pod", "default", name)
		return o.GetObjectMeta().UID
	}
	f.Add([]byte{}, "Pod", "status", []byte(fmt.Sprintf(podStatus, uid("web-2"))), false)
	f.Add([]byte{}, "Pod", "status", []byte(strings.Replace(fmt.Sprintf(podStatus, uid("web-1")), "web-2", "web-1", 1)), false)
	f.Add([]byte{}, "Pod", "replace", []byte(strings.Replace(fmt.Sprintf(podStatus, uid("web-1")), "web-2", "web-1", 1)), false)
	f.Add([]byte{}, "Pod", "apply", []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"evil","namespace":"default"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"x","securityContext":{"privileged":true}}]}}`), false)
	f.Add([]byte{}, "Event", "replace", []byte(`{"apiVersion":"v1","kind":"Event","metadata":{"name":"e","namespace":"default"},"involvedObject":{"kind":"Pod","namespace":"default","name":"web-2"},"source":{"host":"n2"}}`), false)
	f.Add([]byte{}, "Node", "replace", []byte(`{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"},"spec":{"unschedulable":true}}`), false)
	del := `{"keys":[{"kind":"Pod","namespace":"default","name":"%s"}],"preconditions":[{"key":{"kind":"Pod","namespace":"default","name":"%[1]s"},"uid":"%s"}]}`
	f.Add([]byte{}, "", "", []byte(fmt.Sprintf(del, "web-1", uid("web-1"))), true)
	f.Add([]byte{}, "", "", []byte(fmt.Sprintf(del, "web-2", uid("web-2"))), true)
	f.Add([]byte{}, "", "", []byte(`{"keys":[{"kind":"Event","namespace":"default","name":"ev-web-2"},{"kind":"Event","namespace":"default","name":"ev-web-1"}]}`), true)
	f.Add([]byte("\x01{{{"), "", "", []byte{}, false)
	allowed := map[int]bool{200: true, 400: true, 403: true, 413: true}
	f.Fuzz(func(t *testing.T, raw []byte, kind, mode string, obj []byte, del bool) {
		st, p := seededStore(t)
		rs.s.cfg.View, rs.s.cfg.Proposer, rs.s.cfg.Cluster = st, p, &removals{oneNode: oneNode{p}}
		body := raw
		switch {
		case len(raw) > 0:
		case del:
			body = append([]byte{byte(consensus.CmdDelete)}, obj...)
		default:
			put, err := json.Marshal(map[string]any{
				"objects": []map[string]any{{"kind": kind, "object": json.RawMessage(validJSON(obj))}},
				"mode":    mode, "time": time.Unix(1_800_000_000, 0),
			})
			if err != nil {
				t.Fatal(err)
			}
			body = append([]byte{byte(consensus.CmdPut)}, put...)
		}
		before := objectsOf(st)
		req := httptest.NewRequest("POST", "/internal/v1/apply", bytes.NewReader(body))
		req.TLS = state
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !allowed[rec.Code] {
			t.Fatalf("got status %d (%s), want one of 200, 400, 403, 413", rec.Code, truncate(rec.Body.String(), 200))
		}
		after := objectsOf(st)
		for key := range unionKeys(before, after) {
			if why := outOfScope("n2", before, before[key], after[key]); why != "" {
				t.Fatalf("node n2 changed %s (answered %d %s): %s", key, rec.Code, truncate(rec.Body.String(), 200), why)
			}
		}
	})
}

// validJSON is b if it is JSON, else b as a JSON string, so a Put built
// around it decodes as far as the object.
func validJSON(b []byte) []byte {
	if json.Valid(b) {
		return b
	}
	s, _ := json.Marshal(string(b))
	return s
}

// objectsOf maps every stored object to itself (stored objects are never
// modified in place).
func objectsOf(st *consensus.Store) map[api.Key]api.Object {
	out := map[api.Key]api.Object{}
	for _, k := range api.Kinds() {
		for _, o := range st.List(k.Name, "", nil) {
			out[api.KeyOf(o)] = o
		}
	}
	return out
}

func unionKeys(a, b map[api.Key]api.Object) map[api.Key]bool {
	out := map[api.Key]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// outOfScope says why a change from old to cur (either nil when absent)
// is not one node may make, or "" if it may (or nothing changed); before
// is the store before the change.
func outOfScope(node string, before map[api.Key]api.Object, old, cur api.Object) string {
	if old != nil && cur != nil && old.GetObjectMeta().ResourceVersion == cur.GetObjectMeta().ResourceVersion {
		return ""
	}
	switch o := firstOf(old, cur).(type) {
	case *api.Pod:
		if old == nil {
			return "created a pod"
		}
		if bound := old.(*api.Pod).Spec.NodeName; bound != node {
			return "changed a pod bound to " + bound
		}
		if cur != nil && (!api.SpecEqual(old, cur) || !sameUserMeta(old.GetObjectMeta(), cur.GetObjectMeta())) {
			return "changed the spec or metadata of its pod"
		}
		return ""
	case *api.Node:
		if o.Name != node || old == nil || cur == nil {
			return "created, removed or changed another Node"
		}
		if !api.SpecEqual(old, cur) || !sameUserMeta(old.GetObjectMeta(), cur.GetObjectMeta()) {
			return "changed its Node's spec or metadata"
		}
		return ""
	case *api.Event:
		if cur != nil && cur.(*api.Event).Source.Host != node {
			return "wrote an event from another source"
		}
		if old == nil || old.(*api.Event).Source.Host == node {
			return ""
		}
		if cur != nil {
			return "overwrote another source's event"
		}
		about := old.(*api.Event).InvolvedObject
		if pod, ok := before[api.Key{Kind: "Pod", Namespace: about.Namespace, Name: about.Name}].(*api.Pod); about.Kind != "Pod" || !ok || pod.Spec.NodeName != node {
			return "removed another source's event about something not its own"
		}
		return ""
	}
	return "changed a " + firstOf(old, cur).GetTypeMeta().Kind
}

func firstOf(a, b api.Object) api.Object {
	if a != nil {
		return a
	}
	return b
}
