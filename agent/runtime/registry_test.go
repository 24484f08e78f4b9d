package runtime

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func TestParseRegistryConfig(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name    string
		json    string
		want    map[string]credential
		wantErr string
	}{
		{"auth field", `{"auths":{"reg.example.com:5000":{"auth":"` + b64("alice:s3cr:et") + `"}}}`,
			map[string]credential{"reg.example.com:5000": {"alice", "s3cr:et"}}, ""},
		{"username and password", `{"auths":{"https://index.docker.io/v1/":{"username":"bob","password":"pw"}}}`,
			map[string]credential{"docker.io": {"bob", "pw"}}, ""},
		{"identity token", `{"auths":{"ghcr.io":{"identitytoken":"tok"}}}`,
			map[string]credential{"ghcr.io": {"", "tok"}}, ""},
		{"entry without credentials", `{"auths":{"quay.io":{}}, "credsStore":"desktop"}`, map[string]credential{}, ""},
		{"no auths", `{}`, map[string]credential{}, ""},
		{"not json", `auths`, nil, "parse"},
		{"bad base64", `{"auths":{"r":{"auth":"!!"}}}`, nil, "not base64"},
		{"no colon", `{"auths":{"r":{"auth":"` + b64("justuser") + `"}}}`, nil, "user:password"},
		{"empty host", `{"auths":{"https://":{"username":"a","password":"b"}}}`, nil, "empty registry host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRegistryConfig([]byte(tt.json))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("credentials (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadRegistryAuth(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DOCKER_CONFIG", dir)
	a, err := loadRegistryAuth("")
	if err != nil || len(a.hosts) != 0 {
		t.Fatalf("no config file: %v, %v; want empty credentials", a, err)
	}
	cfg := `{"auths":{"registry-1.docker.io":{"username":"u","password":"p"}}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err = loadRegistryAuth("")
	if err != nil {
		t.Fatal(err)
	}
	if u, p, _ := a.credentials("docker.io"); u != "u" || p != "p" {
		t.Errorf("credentials(docker.io) = %q %q, want u p", u, p)
	}
	if u, p, _ := a.credentials("other.io"); u != "" || p != "" {
		t.Errorf("credentials(other.io) = %q %q, want none", u, p)
	}
	if _, err := loadRegistryAuth(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("an explicit missing registry config is not an error")
	}
}

func FuzzParseRegistryConfig(f *testing.F) {
	f.Add([]byte(`{"auths":{"r:5000":{"auth":"YTpi"}}}`))
	f.Add([]byte(`{"auths":{"https://index.docker.io/v1/":{"username":"a","password":"b"}}}`))
	f.Add([]byte(`{"auths":{"":{}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		creds, err := parseRegistryConfig(data)
		if err != nil {
			return
		}
		for host, c := range creds {
			if host == "" || strings.Contains(host, "/") {
				t.Errorf("host %q: want a bare registry host", host)
			}
			if c.Username == "" && c.Secret == "" {
				t.Errorf("host %q: empty credential kept", host)
			}
		}
	})
}

// startRegistry runs Debian's docker-registry on a free loopback port.
func startRegistry(t *testing.T) string {
	t.Helper()
	const bin = "/usr/bin/docker-registry"
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("%s absent (apt-get install docker-registry): %v", bin, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	dir := t.TempDir()
	conf := fmt.Sprintf("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr)
	confPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", confPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = logf.Close()
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			_ = res.Body.Close()
			return addr
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("registry did not answer at %s: %v\n%s", addr, err, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestPullFromLocalRegistry(t *testing.T) {
	requireContainerd(t)
	addr := startRegistry(t)
	bb, _ := buildImages(t)
	img, err := tarball.ImageFromPath(bb, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref := addr + "/shoal/busybox:pulled"
	tag, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}

	e := newTestEnv(t)
	r := e.open(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := r.PullImage(ctx, ref, nil); err == nil {
		t.Fatal("pull over HTTPS from a plain HTTP registry succeeded; want an error")
	}
	r.cfg.InsecureRegistries = []string{addr}
	var last [2]int64
	info, err := r.PullImage(ctx, ref, func(done, total int64) { last = [2]int64{done, total} })
	if err != nil {
		t.Fatal(err)
	}
	if info.Ref != ref || !strings.HasPrefix(info.Digest, "sha256:") {
		t.Errorf("pulled %+v, want ref %s with a digest", info, ref)
	}
	if last[1] <= 0 || last[0] != last[1] {
		t.Errorf("last progress %d/%d, want complete and non-zero", last[0], last[1])
	}
	logPath := run(t, r, "pulled", "echo pulled-ok", func(c *ContainerConfig) { c.Image = ref })
	waitLog(t, logPath, "pulled-ok\n")
	if _, err := r.PullImage(ctx, addr+"/shoal/none:1", nil); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("pull missing image: got %v, want a not found error", err)
	}
}
