package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

// newServer serves the test server's handlers that these tests use.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/", handleInfo)
	mux.HandleFunc("/ws", handleWebSocket)
	mux.HandleFunc("/events", handleEvents)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestInfoEchoesTheRequest(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct{ name, path, wantPath, wantQuery string }{
		{name: "root", path: "/", wantPath: "/"},
		{name: "any other path", path: "/api/v1/x?a=1", wantPath: "/api/v1/x", wantQuery: "a=1"},
		{name: "an encoded slash stays encoded", path: "/a%2Fb", wantPath: "/a%2Fb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = "a.test"
			req.Header.Set("X-Forwarded-For", "192.0.2.7")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = res.Body.Close() }()
			var got info
			if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
				t.Fatalf("GET %s: answer is not JSON: %v", tc.path, err)
			}
			r := got.Request
			if res.StatusCode != http.StatusOK || r.Host != "a.test" || r.Path != tc.wantPath || r.Query != tc.wantQuery ||
				r.Headers.Get("X-Forwarded-For") != "192.0.2.7" || got.Hostname == "" {
				t.Errorf("GET %s: got %d %+v (hostname %q); want 200, host a.test, path %q, query %q, X-Forwarded-For 192.0.2.7",
					tc.path, res.StatusCode, r, got.Hostname, tc.wantPath, tc.wantQuery)
			}
		})
	}
}

func TestWebSocketEchoes(t *testing.T) {
	srv := newServer(t)
	ws, err := websocket.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", "", srv.URL)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer func() { _ = ws.Close() }()
	_ = ws.SetDeadline(time.Now().Add(10 * time.Second))
	for _, msg := range []string{"hello", "", strings.Repeat("x", 200), strings.Repeat("y", 70000)} {
		if err := websocket.Message.Send(ws, msg); err != nil {
			t.Fatalf("send %d bytes: %v", len(msg), err)
		}
		var got string
		if err := websocket.Message.Receive(ws, &got); err != nil {
			t.Fatalf("receive the echo of %d bytes: %v", len(msg), err)
		}
		if got != msg {
			t.Errorf("echo of %d bytes: got %d bytes %.20q, want the same message", len(msg), len(got), got)
		}
	}
	bin := []byte{0, 1, 2, 255}
	if err := websocket.Message.Send(ws, bin); err != nil {
		t.Fatal(err)
	}
	var got []byte
	if err := websocket.Message.Receive(ws, &got); err != nil || !bytes.Equal(got, bin) {
		t.Errorf("binary echo: got %v, %v; want %v", got, err, bin)
	}
}

func TestWebSocketRefusesPlainRequests(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{name: "no upgrade", want: http.StatusBadRequest},
		{name: "old version", headers: map[string]string{"Connection": "keep-alive, Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "8", "Sec-WebSocket-Key": "x"}, want: http.StatusUpgradeRequired},
		{name: "no key", headers: map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13"}, want: http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/ws", nil)
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = res.Body.Close()
			if res.StatusCode != tc.want {
				t.Errorf("got %s, want %d", res.Status, tc.want)
			}
		})
	}
}

func TestWsAccept(t *testing.T) {
	// RFC 6455 section 1.3's example.
	if got, want := wsAccept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="; got != want {
		t.Errorf("wsAccept = %q, want %q", got, want)
	}
}

// readEvents reads server-sent events from r and calls got with each
// one's data as it arrives.
func readEvents(r io.Reader, got func(event) error) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var e event
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			return err
		}
		if err := got(e); err != nil {
			return err
		}
	}
	return sc.Err()
}

func TestEventsAreFlushedOneByOne(t *testing.T) {
	srv := newServer(t)
	res, err := http.Get(srv.URL + "/events?n=3&every=300ms")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type %q, want text/event-stream", ct)
	}
	var seqs []int
	var firstArrived time.Time
	var lastSent int64
	err = readEvents(res.Body, func(e event) error {
		if len(seqs) == 0 {
			firstArrived = time.Now()
		}
		seqs = append(seqs, e.Seq)
		lastSent = e.SentUnixNano
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 3 || seqs[0] != 1 || seqs[1] != 2 || seqs[2] != 3 {
		t.Fatalf("events %v, want 1, 2, 3", seqs)
	}
	// Event 3 is sent 600 ms after event 1: a buffered stream would
	// deliver event 1 only after that.
	if firstArrived.UnixNano() >= lastSent {
		t.Errorf("event 1 arrived at %s, after event 3 was sent (%s): the stream is buffered",
			firstArrived.Format(time.StampMicro), time.Unix(0, lastSent).Format(time.StampMicro))
	}
}

func TestEventParams(t *testing.T) {
	for _, tc := range []struct {
		query     string
		wantN     int
		wantEvery time.Duration
		wantErr   string
	}{
		{query: "", wantN: 3, wantEvery: 200 * time.Millisecond},
		{query: "n=5&every=1s", wantN: 5, wantEvery: time.Second},
		{query: "every=0s", wantN: 3},
		{query: "n=0", wantErr: `n="0"`},
		{query: "n=lots", wantErr: `n="lots"`},
		{query: "every=-1s", wantErr: `every="-1s"`},
		{query: "every=2m", wantErr: `every="2m"`},
	} {
		t.Run(tc.query, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/events?"+tc.query, nil)
			n, every, err := eventParams(req.URL.Query())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("eventParams(%q): got error %v, want one containing %s", tc.query, err, tc.wantErr)
				}
				return
			}
			if err != nil || n != tc.wantN || every != tc.wantEvery {
				t.Fatalf("eventParams(%q) = %d, %s, %v; want %d, %s", tc.query, n, every, err, tc.wantN, tc.wantEvery)
			}
		})
	}
}
