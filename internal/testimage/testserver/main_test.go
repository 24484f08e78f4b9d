package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

func TestServeUDPAnswersEveryDatagram(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go serveUDP(pc)
	defer func() { _ = pc.Close() }()
	host, _ := os.Hostname()
	for i := range 3 {
		c, err := net.Dial("udp", pc.LocalAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 2048)
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("datagram %d: no answer: %v", i, err)
		}
		var got udpReply
		if err := json.Unmarshal(buf[:n], &got); err != nil {
			t.Fatalf("datagram %d: answer %q is not JSON: %v", i, buf[:n], err)
		}
		if got.Hostname != host || got.RemoteAddr != c.LocalAddr().String() {
			t.Errorf("datagram %d: got %+v, want hostname %q and remoteAddr %s", i, got, host, c.LocalAddr())
		}
		_ = c.Close()
	}
}

func TestShutdownDelay(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{in: "", want: 0},
		{in: "2s", want: 2 * time.Second},
		{in: "soon", wantErr: true},
		{in: "-1s", wantErr: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := shutdownDelay(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("shutdownDelay(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			http.Error(w, "broken", http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, "hello")
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name       string
		args       []string
		wantStatus int
		wantOut    string
		wantErr    string
	}{
		{name: "get", args: []string{"get", srv.URL + "/"}, wantOut: "hello"},
		{name: "get an error status", args: []string{"get", srv.URL + "/fail"}, wantStatus: 1, wantErr: "500 Internal Server Error: broken"},
		{name: "get a closed port", args: []string{"get", "http://127.0.0.1:1/"}, wantStatus: 1, wantErr: "connection refused"},
		{name: "get a bad URL", args: []string{"get", "::"}, wantStatus: 1, wantErr: "missing protocol scheme"},
		{name: "lookup from /etc/hosts", args: []string{"lookup", "localhost"}, wantOut: "127.0.0.1\n"},
		{name: "lookup an address", args: []string{"lookup", "10.1.2.3"}, wantOut: "10.1.2.3\n"},
		{name: "no argument", args: []string{"get"}, wantStatus: 2, wantErr: "usage: testserver"},
		{name: "unknown command", args: []string{"put", "x"}, wantStatus: 2, wantErr: `unknown command "put"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut strings.Builder
			status := client(tc.args, &out, &errOut)
			if status != tc.wantStatus || !strings.Contains(out.String(), tc.wantOut) || !strings.Contains(errOut.String(), tc.wantErr) {
				t.Fatalf("client(%q) = %d, out %q, err %q; want %d, out containing %q, err containing %q",
					tc.args, status, out.String(), errOut.String(), tc.wantStatus, tc.wantOut, tc.wantErr)
			}
		})
	}
}
