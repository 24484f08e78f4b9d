package apiserver

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/stream"
)

// forwardPod is a pod on node (n1 is the test server's node) in phase,
// at ip.
func forwardPod(name, node string, phase api.PodPhase, ip string) *api.Pod {
	o, err := api.New("Pod")
	if err != nil {
		panic(err)
	}
	p := o.(*api.Pod)
	p.Namespace, p.Name, p.Spec.NodeName = "default", name, node
	p.Spec.Containers = []api.Container{{Name: "a", Image: "busybox"}, {Name: "b", Image: "busybox"}}
	p.Status.Phase, p.Status.PodIP = phase, ip
	return p
}

// upgradeForward sends a port-forward request over a new connection to
// base and returns the connection, its reader and the answer.
func upgradeForward(t *testing.T, base, path, token, upgrade string) (net.Conn, *bufio.Reader, *http.Response) {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	req, err := http.NewRequest(http.MethodPost, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if upgrade != "" {
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", upgrade)
	}
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, req)
	if err != nil {
		t.Fatal(err)
	}
	return conn, br, res
}

func TestPortForwardCarriesAConnection(t *testing.T) {
	backend, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer backend.Close()
	port := backend.Addr().(*net.TCPAddr).Port
	// The "pod" answers each line with its upper case, until its input ends.
	go func() {
		for {
			c, err := backend.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					_, _ = fmt.Fprintln(c, strings.ToUpper(sc.Text()))
				}
			}()
		}
	}()
	_, cl := testServer(t, forwardPod("web", "n1", api.PodRunning, "127.0.0.1"))
	conn, br, res := upgradeForward(t, cl.base, "/v1/pods/web/portforward?port="+strconv.Itoa(port), cl.token, stream.PortForwardUpgrade)
	if res.StatusCode != http.StatusSwitchingProtocols {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("got %s %s, want 101", res.Status, b)
	}
	// The test's side of the pipe: a local TCP pair stands for the user.
	user, plain := tcpPairT(t)
	done := make(chan error, 1)
	go func() { done <- stream.Pipe(context.Background(), conn, br, plain) }()
	r := bufio.NewReader(user)
	for _, line := range []string{"hello", "port forward"} {
		if _, err := fmt.Fprintln(user, line); err != nil {
			t.Fatal(err)
		}
		got, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.ToUpper(line) + "\n"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	if err := user.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
		t.Errorf("after half-close: got %q, %v; want the end", rest, err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("got %v, want a clean end", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the stream did not end after both sides closed")
	}
}

func TestPortForwardRefusals(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := strconv.Itoa(closed.Addr().(*net.TCPAddr).Port)
	_ = closed.Close()
	_, cl := testServer(t,
		forwardPod("web", "n1", api.PodRunning, "127.0.0.1"),
		forwardPod("pending", "n1", api.PodPending, ""),
		forwardPod("unscheduled", "", "", ""),
	)
	tests := []struct {
		name     string
		path     string
		token    string
		upgrade  string
		wantCode int
		wantMsg  string
	}{
		{"no token", "/v1/pods/web/portforward?port=80", "", stream.PortForwardUpgrade, 401, ""},
		{"no port", "/v1/pods/web/portforward", cl.token, stream.PortForwardUpgrade, 400, "port-forward needs ?port=N"},
		{"port not a number", "/v1/pods/web/portforward?port=http", cl.token, stream.PortForwardUpgrade, 400, `port \"http\": want a number from 1 to 65535`},
		{"port out of range", "/v1/pods/web/portforward?port=70000", cl.token, stream.PortForwardUpgrade, 400, `port \"70000\": want a number from 1 to 65535`},
		{"no upgrade", "/v1/pods/web/portforward?port=80", cl.token, "", 400, "port-forward needs 'Upgrade: shoal-portforward'"},
		{"exec upgrade", "/v1/pods/web/portforward?port=80", cl.token, stream.ExecUpgrade, 400, "port-forward needs 'Upgrade: shoal-portforward'"},
		{"no such pod", "/v1/pods/nope/portforward?port=80", cl.token, stream.PortForwardUpgrade, 404, `pod \"nope\" not found in namespace \"default\"`},
		{"other namespace", "/v1/pods/web/portforward?port=80&namespace=team", cl.token, stream.PortForwardUpgrade, 404, `pod \"web\" not found in namespace \"team\"`},
		{"pending pod", "/v1/pods/pending/portforward?port=80", cl.token, stream.PortForwardUpgrade, 400, "pod pending is Pending, not Running: nothing to forward to"},
		{"unscheduled pod", "/v1/pods/unscheduled/portforward?port=80", cl.token, stream.PortForwardUpgrade, 400, "pod unscheduled is not scheduled to a node yet"},
		{"closed port", "/v1/pods/web/portforward?port=" + closedPort, cl.token, stream.PortForwardUpgrade, 502, "pod web port " + closedPort + ": dial tcp 127.0.0.1:" + closedPort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, res := upgradeForward(t, cl.base, tt.path, tt.token, tt.upgrade)
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.wantCode {
				t.Fatalf("got %d %s, want %d", res.StatusCode, b, tt.wantCode)
			}
			if !strings.Contains(string(b), tt.wantMsg) {
				t.Errorf("got message %s, want it to contain %q", b, tt.wantMsg)
			}
		})
	}
}

func TestPortForwardLimit(t *testing.T) {
	l := newStreamLimiter("port-forwards", 3, 2)
	var releases []func()
	for i := range 2 {
		r, err := l.acquire("address a")
		if err != nil {
			t.Fatalf("stream %d of client a: got %v, want it admitted", i+1, err)
		}
		releases = append(releases, r)
	}
	if _, err := l.acquire("address a"); err == nil || !strings.Contains(err.Error(), "too many port-forwards: address a has 2 open, the limit per client is 2") {
		t.Errorf("third stream of a: got %v, want the per-client refusal", err)
	}
	r, err := l.acquire("address b")
	if err != nil {
		t.Fatalf("first stream of b: got %v, want it admitted", err)
	}
	if _, err := l.acquire("address c"); err == nil || !strings.Contains(err.Error(), "too many port-forwards: this agent serves 3") {
		t.Errorf("fourth stream: got %v, want the agent-wide refusal", err)
	}
	r()
	releases[0]()
	if _, err := l.acquire("address a"); err != nil {
		t.Errorf("after releases: got %v, want a admitted", err)
	}
}

// tcpPairT returns both ends of a loopback TCP connection.
func tcpPairT(t *testing.T) (a, b net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close(); _ = b.Close() })
	return a, b
}
