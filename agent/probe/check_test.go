package probe

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

type checkCase struct {
	name   string
	probe  api.Probe
	target Target
	want   Result
	// wantMsg must appear in the message; empty means the message must be
	// empty.
	wantMsg string
}

func runCheckCases(t *testing.T, tests []checkCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, msg := Check(t.Context(), &tt.probe, tt.target)
			if got != tt.want {
				t.Errorf("result: got %v, want %v (message %q)", got, tt.want, msg)
			}
			if tt.wantMsg == "" && msg != "" || !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message: got %q, want %q", msg, tt.wantMsg)
			}
		})
	}
}

func TestCheckHTTP(t *testing.T) {
	t.Parallel()
	_, port := newProbeServer(t, false)
	_, tlsPort := newProbeServer(t, true)
	closed := closedPort(t)
	loop := Target{PodIP: "127.0.0.1", Ports: []api.ContainerPort{{Name: "http", ContainerPort: port}, {Name: "https", ContainerPort: tlsPort}}}
	p := api.FromInt32(port)
	withHeaders := httpProbe("/headers", p)
	withHeaders.HTTPGet.HTTPHeaders = []api.HTTPHeader{{Name: "x-probe", Value: "yes"}, {Name: "Host", Value: "app.example"}, {Name: "User-Agent", Value: "custom"}}
	https := httpProbe("/ok", api.FromString("https"))
	https.HTTPGet.Scheme = api.URISchemeHTTPS
	httpsOnPlain := httpProbe("/ok", p)
	httpsOnPlain.HTTPGet.Scheme = api.URISchemeHTTPS
	badScheme := httpProbe("/ok", p)
	badScheme.HTTPGet.Scheme = "FTP"
	explicitHost := httpProbe("/ok", p)
	explicitHost.HTTPGet.Host = "127.0.0.1"
	slow := httpProbe("/slow", p)
	slow.TimeoutSeconds = 1

	runCheckCases(t, []checkCase{
		{name: "200 is success", probe: httpProbe("/ok", p), target: loop, want: Success},
		{name: "empty path is root", probe: httpProbe("", p), target: loop, want: Success},
		{name: "path without slash", probe: httpProbe("ok", p), target: loop, want: Success},
		{name: "query kept", probe: httpProbe("/query?deep=1", p), target: loop, want: Success},
		{name: "302 is success and not followed", probe: httpProbe("/redirect", p), target: loop, want: Success},
		{name: "404 is failure", probe: httpProbe("/notfound", p), target: loop, want: Failure, wantMsg: "HTTP probe failed with statuscode: 404"},
		{name: "500 is failure", probe: httpProbe("/error", p), target: loop, want: Failure, wantMsg: "HTTP probe failed with statuscode: 500"},
		{name: "slow handler times out", probe: slow, target: loop, want: Failure, wantMsg: fmt.Sprintf("GET http://127.0.0.1:%d/slow timed out after 1s", port)},
		{name: "headers sent", probe: withHeaders, target: loop, want: Success},
		{name: "headers missing", probe: httpProbe("/headers", p), target: loop, want: Failure, wantMsg: "statuscode: 400"},
		{name: "named port", probe: httpProbe("/ok", api.FromString("http")), target: loop, want: Success},
		{name: "numeric string port", probe: httpProbe("/ok", api.FromString(fmt.Sprint(port))), target: loop, want: Success},
		{name: "unknown named port", probe: httpProbe("/ok", api.FromString("admin")), target: loop, want: Failure, wantMsg: `no container port named "admin"`},
		{name: "port out of range", probe: httpProbe("/ok", api.FromInt32(0)), target: loop, want: Failure, wantMsg: "port 0 out of range 1-65535"},
		{name: "https skips verification", probe: https, target: loop, want: Success},
		{name: "http against tls server", probe: httpProbe("/ok", api.FromString("https")), target: loop, want: Failure, wantMsg: "statuscode: 400"},
		{name: "https against plain server", probe: httpsOnPlain, target: loop, want: Failure, wantMsg: fmt.Sprintf(`Get "https://127.0.0.1:%d/ok"`, port)},
		{name: "closed port", probe: httpProbe("/", api.FromInt32(closed)), target: loop, want: Failure, wantMsg: fmt.Sprintf("dial tcp 127.0.0.1:%d: connect: connection refused", closed)},
		{name: "bad path", probe: httpProbe("/%zz", p), target: loop, want: Failure, wantMsg: `bad path "/%zz"`},
		{name: "unknown scheme", probe: badScheme, target: loop, want: Failure, wantMsg: `unknown scheme "FTP"`},
		{name: "no pod ip", probe: httpProbe("/ok", p), target: Target{}, want: Failure, wantMsg: "no pod IP to probe"},
		{name: "host overrides pod ip", probe: explicitHost, target: Target{PodIP: "192.0.2.1"}, want: Success},
	})
}

func TestCheckTCP(t *testing.T) {
	t.Parallel()
	_, port := newProbeServer(t, false)
	closed := closedPort(t)
	loop := Target{PodIP: "127.0.0.1", Ports: []api.ContainerPort{{Name: "web", ContainerPort: port}}}
	tcp := func(port api.IntOrString) api.Probe { return api.Probe{TCPSocket: &api.TCPSocketAction{Port: port}} }

	runCheckCases(t, []checkCase{
		{name: "open port", probe: tcp(api.FromInt32(port)), target: loop, want: Success},
		{name: "named port", probe: tcp(api.FromString("web")), target: loop, want: Success},
		{name: "closed port", probe: tcp(api.FromInt32(closed)), target: loop, want: Failure, wantMsg: fmt.Sprintf("dial tcp 127.0.0.1:%d: connect: connection refused", closed)},
		{name: "unknown named port", probe: tcp(api.FromString("admin")), target: loop, want: Failure, wantMsg: `no container port named "admin"`},
		{name: "no pod ip", probe: tcp(api.FromInt32(port)), target: Target{}, want: Failure, wantMsg: "no pod IP to probe"},
	})
}

func TestCheckExec(t *testing.T) {
	t.Parallel()
	execProbe := api.Probe{Exec: &api.ExecAction{Command: []string{"cat", "/tmp/healthy"}}}
	target := func(f *fakeExec) Target { return Target{ContainerID: "c1", Exec: f} }
	withOutput := func(out string, code int) *fakeExec {
		f := newFakeExec(t, code)
		f.output = out
		return f
	}
	hung := newFakeExec(t)
	hung.block = true

	runCheckCases(t, []checkCase{
		{name: "exit 0", probe: execProbe, target: target(newFakeExec(t, 0)), want: Success},
		{name: "exit 1 with output", probe: execProbe, target: target(withOutput("  no such file\n", 1)), want: Failure, wantMsg: "command exited 1: no such file"},
		{name: "exit 2 without output", probe: execProbe, target: target(newFakeExec(t, 2)), want: Failure, wantMsg: "command exited 2"},
		{name: "long output cut", probe: execProbe, target: target(withOutput(strings.Repeat("x", 1000), 1)), want: Failure, wantMsg: "command exited 1: " + strings.Repeat("x", maxOutput) + "..."},
		{name: "exec error is unknown", probe: execProbe, target: target(newFakeExec(t, -1)), want: Unknown, wantMsg: "exec: runtime unavailable"},
		{name: "hung exec times out", probe: execProbe, target: target(hung), want: Failure, wantMsg: "command timed out after 1s"},
		{name: "no execer", probe: execProbe, target: Target{ContainerID: "c1"}, want: Failure, wantMsg: "no runtime to exec in"},
		{name: "no command", probe: api.Probe{Exec: &api.ExecAction{}}, target: target(newFakeExec(t, 0)), want: Failure, wantMsg: "exec probe has no command"},
	})
}

func TestCheckExecPassesContainerAndArgs(t *testing.T) {
	f := newFakeExec(t, 0)
	p := api.Probe{Exec: &api.ExecAction{Command: []string{"cat", "/tmp/healthy"}}}
	if got, msg := Check(t.Context(), &p, Target{ContainerID: "c1", Exec: f}); got != Success {
		t.Fatalf("got %v (%q), want success", got, msg)
	}
	if f.gotID != "c1" || strings.Join(f.gotArgs, " ") != "cat /tmp/healthy" {
		t.Errorf("exec: got container %q args %q, want c1 [cat /tmp/healthy]", f.gotID, f.gotArgs)
	}
}

func TestCheckMisconfigured(t *testing.T) {
	if got, msg := Check(t.Context(), nil, Target{}); got != Failure || msg != "no probe" {
		t.Errorf("nil probe: got %v %q, want failure %q", got, msg, "no probe")
	}
	want := "probe has no action (httpGet, tcpSocket, exec or grpc)"
	if got, msg := Check(t.Context(), &api.Probe{}, Target{}); got != Failure || msg != want {
		t.Errorf("no action: got %v %q, want failure %q", got, msg, want)
	}
}

func TestCheckCanceledIsUnknown(t *testing.T) {
	f := newFakeExec(t)
	f.block = true
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	p := api.Probe{Exec: &api.ExecAction{Command: []string{"true"}}}
	if got, msg := Check(ctx, &p, Target{Exec: f}); got != Unknown || msg != "probe canceled" {
		t.Errorf("got %v %q, want unknown %q", got, msg, "probe canceled")
	}
}

func BenchmarkCheckHTTP(b *testing.B) {
	_, port := newProbeServer(b, false)
	p := httpProbe("/ok", api.FromInt32(port))
	target := Target{PodIP: "127.0.0.1"}
	b.ReportAllocs()
	for b.Loop() {
		if got, msg := Check(b.Context(), &p, target); got != Success {
			b.Fatalf("got %v (%q), want success", got, msg)
		}
	}
}
