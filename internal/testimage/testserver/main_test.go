package main

import (
	"encoding/json"
	"net"
	"os"
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
