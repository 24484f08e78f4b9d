package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/shoal-dev/shoal/internal/testcluster"
	"github.com/shoal-dev/shoal/internal/testimage"
)

// startRegistry runs Debian's docker-registry on ip and returns its
// HOST:PORT.
func startRegistry(t *testing.T, ip string) string {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		t.Skip("docker-registry not installed (apt-get install docker-registry)")
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	dir := t.TempDir()
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr)
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", cfgPath)
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); _ = logf.Close() })
	testcluster.Eventually(t, 20*time.Second, func() error {
		res, err := http.Get("http://" + addr + "/v2/")
		if err != nil {
			return err
		}
		_ = res.Body.Close()
		return nil
	})
	return addr
}

// pushTestServer pushes the test server image to the registry at addr.
func pushTestServer(t *testing.T, addr string) string {
	t.Helper()
	path, _, err := testimage.TestServer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	img, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref := addr + "/shoal/testserver:pushed"
	tag, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	return ref
}

func TestPullFromInsecureRegistry(t *testing.T) {
	c := testcluster.NewNetNS(t)
	addr := startRegistry(t, c.HostIP())
	c.Args = append(c.Args, "--insecure-registry", addr)
	n1 := c.Add("n1")
	ref := pushTestServer(t, addr)
	container := fmt.Sprintf("        - name: web\n          image: %s\n          imagePullPolicy: Always\n", ref)
	p := applyPod(t, n1, "pulled", "n1", container)
	if p.Status.ContainerStatuses[0].ImageID == "" {
		t.Fatalf("no imageID in status: %s", briefStatus(p))
	}
	out, stderr, err := n1.CLI("image", "ls")
	if err != nil || !containsLine(out, ref) {
		t.Fatalf("image ls: %v\n%s%s", err, out, stderr)
	}
}
