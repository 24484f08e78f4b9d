package testimage

import (
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// TestServerRef is the image reference of the test server image.
const TestServerRef = "shoal.local/testserver:1"

// TestServerPort is the port the test server listens on unless $PORT says
// otherwise.
const TestServerPort = 8080

//go:embed testserver/main.go
var testServerSource []byte

var testServer = &cached{ref: TestServerRef, file: "testserver.tar", build: buildTestServer}

// TestServer writes the test server image (see package testserver) as a
// docker-archive tarball into dir and returns its path and reference. The
// first call in a process compiles the server with the Go toolchain (see
// goTool); later calls reuse the result.
func TestServer(dir string) (path, ref string, err error) {
	return testServer.writeTo(dir)
}

func buildTestServer() ([]byte, error) {
	bin, err := compileTestServer()
	if err != nil {
		return nil, err
	}
	files := []file{
		dir("tmp", 0o1777),
		regular("testserver", 0o755, bin),
	}
	return archive(TestServerRef, files, v1.Config{
		Entrypoint:   []string{"/testserver"},
		Env:          []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		ExposedPorts: map[string]struct{}{fmt.Sprintf("%d/tcp", TestServerPort): {}},
		WorkingDir:   "/",
	})
}

// goTool finds the go command: $GOROOT/bin/go (set by `go test`), else
// PATH, else the standard install location.
func goTool() (string, error) {
	var candidates []string
	if root := os.Getenv("GOROOT"); root != "" {
		candidates = append(candidates, filepath.Join(root, "bin", "go"))
	}
	if p, err := exec.LookPath("go"); err == nil {
		candidates = append(candidates, p)
	}
	candidates = append(candidates, "/usr/local/go/bin/go")
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return c, nil
		}
	}
	return "", fmt.Errorf("compile testserver: no go toolchain in $GOROOT/bin, PATH or /usr/local/go/bin")
}

// compileTestServer builds the embedded source as a static linux binary
// in a scratch module, so it works outside this repository too.
func compileTestServer() ([]byte, error) {
	goBin, err := goTool()
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "shoal-testserver-")
	if err != nil {
		return nil, fmt.Errorf("compile testserver: %w", err)
	}
	defer func() { _ = os.RemoveAll(work) }()
	gomod := []byte("module shoal.local/testserver\n\ngo 1.24\n")
	if err := os.WriteFile(filepath.Join(work, "go.mod"), gomod, 0o644); err != nil {
		return nil, fmt.Errorf("compile testserver: %w", err)
	}
	if err := os.WriteFile(filepath.Join(work, "main.go"), testServerSource, 0o644); err != nil {
		return nil, fmt.Errorf("compile testserver: %w", err)
	}
	out := filepath.Join(work, "testserver")
	cmd := exec.Command(goBin, "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = work
	cmd.Env = append(os.Environ(),
		"CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH,
		"GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local", "GO111MODULE=on")
	if os.Getenv("GOCACHE") == "" && os.Getenv("HOME") == "" && os.Getenv("XDG_CACHE_HOME") == "" {
		cmd.Env = append(cmd.Env, "GOCACHE="+filepath.Join(work, "cache"))
	}
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("compile testserver: %w\n%s", err, msg)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("compile testserver: %w", err)
	}
	return bin, nil
}
