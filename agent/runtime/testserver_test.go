package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/testimage"
)

// TestTestServer runs the test image's server in the test's own network
// namespace (NetNSPath) and drives every endpoint over real HTTP.
func TestTestServer(t *testing.T) {
	r := newTestEnv(t).open(t, true)
	importImages(t, r)
	ctx := context.Background()
	port := freePort(t)
	netns := fmt.Sprintf("/proc/%d/ns/net", os.Getpid())
	start := func(id string, mem int64) string {
		cfg := ContainerConfig{
			ID: id, Image: testimage.TestServerRef, NetNSPath: netns, Hostname: "web-0",
			Env: []string{"PORT=" + port, "POD_IP=10.42.0.7"}, MemoryLimit: mem,
		}
		if err := r.CreateContainer(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		if _, err := r.StartContainer(ctx, id, filepath.Join(r.cfg.DataDir, id+".log")); err != nil {
			t.Fatal(err)
		}
		base := "http://127.0.0.1:" + port
		waitHTTP(t, base+"/healthz", 200)
		return base
	}
	base := start("web", 0)
	var info struct {
		Hostname, PodIP string
		Env             map[string]string
	}
	if err := json.Unmarshal([]byte(get(t, base+"/", 200)), &info); err != nil {
		t.Fatal(err)
	}
	if info.Hostname != "web-0" || info.PodIP != "10.42.0.7" || info.Env["PORT"] != port {
		t.Errorf("info %+v: want hostname web-0, podIP 10.42.0.7, PORT %s", info, port)
	}
	get(t, base+"/readyz", 200)
	get(t, base+"/ready/off", 200)
	get(t, base+"/readyz", 500)
	get(t, base+"/ready/on", 200)
	get(t, base+"/readyz", 200)
	get(t, base+"/exit?code=4", 200)
	if got := waitState(t, r, "web", StateExited); got.ExitCode != 4 {
		t.Errorf("exit code %d after /exit?code=4", got.ExitCode)
	}

	base = start("hog", 48<<20)
	_, _ = http.Get(base + "/alloc?mb=128") // the server dies answering
	if got := waitState(t, r, "hog", StateExited); !got.OOMKilled {
		t.Errorf("after /alloc over the limit: %+v, want OOMKilled", got)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

func get(t *testing.T, url string, want int) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer func() { _ = res.Body.Close() }()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != want {
		t.Fatalf("GET %s: status %d, want %d: %s", url, res.StatusCode, want, body)
	}
	return string(body)
}

func waitHTTP(t *testing.T, url string, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get(url)
		if err == nil {
			_ = res.Body.Close()
			if res.StatusCode == want {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v, want status %d", url, err, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
