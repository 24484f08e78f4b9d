package stream

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
)

// tcpPair returns the two ends of a real loopback TCP connection.
func tcpPair(t *testing.T) (a, b net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	acc := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			acc <- nil
			return
		}
		acc <- c
	}()
	a, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b = <-acc
	if b == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { _ = a.Close(); _ = b.Close() })
	return a, b
}

// forwardChain links user ↔ Pipe ↔ framed TCP ↔ Pipe ↔ backend, as the
// CLI and the agent do, and returns the user's end and the backend's
// end; the two Pipes' results come on errc.
func forwardChain(t *testing.T, ctx context.Context) (user, backend net.Conn, errc chan error) {
	t.Helper()
	user, cliPlain := tcpPair(t)
	cliFramed, agentFramed := tcpPair(t)
	agentPlain, backend := tcpPair(t)
	errc = make(chan error, 2)
	go func() { errc <- Pipe(ctx, cliFramed, bufio.NewReader(cliFramed), cliPlain) }()
	go func() { errc <- Pipe(ctx, agentFramed, bufio.NewReader(agentFramed), agentPlain) }()
	return user, backend, errc
}

func TestPipe(t *testing.T) {
	big := strings.Repeat("0123456789", 20000) // several frames
	tests := []struct {
		name    string
		request string
	}{
		{"short request", "hello"},
		{"request over several frames", big},
		{"empty request", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user, backend, errc := forwardChain(t, context.Background())
			// The backend reads until the user half-closes, then answers:
			// the answer only arrives if the half-close went through.
			go func() {
				b, err := io.ReadAll(backend)
				if err != nil {
					return
				}
				_, _ = fmt.Fprintf(backend, "got %d bytes", len(b))
				_ = backend.Close()
			}()
			if _, err := io.WriteString(user, tt.request); err != nil {
				t.Fatal(err)
			}
			if err := user.(*net.TCPConn).CloseWrite(); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(user)
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("got %d bytes", len(tt.request)); string(got) != want {
				t.Errorf("got answer %q, want %q", got, want)
			}
			for range 2 {
				if err := <-errc; err != nil {
					t.Errorf("got Pipe error %v, want nil after both sides closed", err)
				}
			}
		})
	}
}

func TestPipeRemoteError(t *testing.T) {
	plainUser, plain := tcpPair(t)
	framed, peer := tcpPair(t)
	errc := make(chan error, 1)
	go func() { errc <- Pipe(context.Background(), framed, bufio.NewReader(framed), plain) }()
	if err := WriteFrame(peer, FrameError, []byte("connection reset by pod")); err != nil {
		t.Fatal(err)
	}
	err := <-errc
	if err == nil || !strings.Contains(err.Error(), "remote: connection reset by pod") {
		t.Errorf("got error %v, want the remote's message", err)
	}
	// The plain side is closed: its reader sees the end.
	if _, err := io.ReadAll(plainUser); err != nil && !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "reset") {
		t.Errorf("read the closed user side: %v", err)
	}
}

func TestPipeUnexpectedFrame(t *testing.T) {
	_, plain := tcpPair(t)
	framed, peer := tcpPair(t)
	errc := make(chan error, 1)
	go func() { errc <- Pipe(context.Background(), framed, bufio.NewReader(framed), plain) }()
	if err := WriteFrame(peer, FrameResize, []byte{0, 80, 0, 24}); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err == nil || !strings.Contains(err.Error(), "unexpected frame type 4") {
		t.Errorf("got error %v, want unexpected frame type 4", err)
	}
}

func TestPipeContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	user, _, errc := forwardChain(t, ctx)
	cancel()
	for range 2 {
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
	}
	if _, err := io.ReadAll(user); err != nil && !strings.Contains(err.Error(), "reset") {
		t.Errorf("read after cancel: %v", err)
	}
}

// BenchmarkPipe measures bytes carried user → Pipe → framed TCP → Pipe →
// backend over loopback, as a port-forward through one agent carries them.
func BenchmarkPipe(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	pair := func() (net.Conn, net.Conn) {
		a, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		c, err := ln.Accept()
		if err != nil {
			b.Fatal(err)
		}
		return a, c
	}
	user, cliPlain := pair()
	cliFramed, agentFramed := pair()
	agentPlain, backend := pair()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = Pipe(ctx, cliFramed, bufio.NewReader(cliFramed), cliPlain) }()
	go func() { _ = Pipe(ctx, agentFramed, bufio.NewReader(agentFramed), agentPlain) }()
	buf := make([]byte, 64<<10)
	done := make(chan int64)
	go func() {
		n, _ := io.Copy(io.Discard, backend)
		done <- n
	}()
	b.SetBytes(int64(len(buf)))
	b.ResetTimer()
	for range b.N {
		if _, err := user.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	_ = user.(*net.TCPConn).CloseWrite()
	if n := <-done; n != int64(b.N*len(buf)) {
		b.Fatalf("got %d bytes at the backend, want %d", n, b.N*len(buf))
	}
}
