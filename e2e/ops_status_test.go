package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/testcluster"
)

// TestStatusShowsVersions: an agent built as another version joins a
// cluster; `shoal status` (table and JSON) shows each member's version,
// so a mixed-version cluster is visible.
func TestStatusShowsVersions(t *testing.T) {
	skipShort(t)
	t.Parallel()
	const next = "v0.0.0-next"
	bin := filepath.Join(t.TempDir(), "shoal-next")
	build := exec.Command("go", "build", "-o", bin, "-ldflags", "-X github.com/shoal-dev/shoal/agent.Version="+next, "github.com/shoal-dev/shoal/cmd/shoal")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the other version: %v\n%s", err, out)
	}
	c := startCluster(t, 1)
	n1 := c.Agents[0]
	out, _, err := n1.CLI("version")
	if err != nil {
		t.Fatal(err)
	}
	current := strings.TrimSpace(strings.TrimPrefix(out, "shoal "))

	// The other version runs as its own process, with the arguments the
	// test cluster gives its agents.
	spec := c.NewAgent("n2")
	args := []string{
		"agent", "--name", "n2", "--data-dir", spec.DataDir, "--bind", spec.IP,
		"--gossip-port", strconv.Itoa(spec.GossipPort), "--raft-port", strconv.Itoa(spec.RaftPort),
		"--api-port", strconv.Itoa(spec.APIPort), "--gossip-fast", "--runtime", "none",
		"--dns-addr", spec.DNSAddr(), "--ingress-addr=", "--ingress-tls-addr=",
		"--join", n1.APIAddr(), "--token", c.Token(),
	}
	log, err := os.Create(filepath.Join(t.TempDir(), "n2.log"))
	if err != nil {
		t.Fatal(err)
	}
	agent := exec.Command(bin, args...)
	agent.Stdout, agent.Stderr = log, log
	agent.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = agent.Process.Kill()
		_ = agent.Wait()
		_ = log.Close()
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			t.Logf("---- log of n2 (%s) ----\n%s", next, lastLines(string(b), 60))
		}
	})

	testcluster.Eventually(t, 30*time.Second, func() error {
		st, err := status(n1)
		if err != nil {
			return err
		}
		got := map[string]string{}
		for _, m := range st.Members {
			got[m.Name] = m.Version
		}
		if got["n1"] != current || got["n2"] != next {
			return fmt.Errorf("got versions %v, want n1=%s n2=%s", got, current, next)
		}
		return nil
	})
	out, _, err = n1.CLI("status")
	if err != nil {
		t.Fatal(err)
	}
	tab := parseTable(strings.SplitN(out, "\n\n", 3)[1])
	for _, tc := range []struct{ name, want string }{{"n1", current}, {"n2", next}} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tab.rows[tc.name]["VERSION"]; got != tc.want {
				t.Errorf("status table: %s VERSION %q, want %q\n%s", tc.name, got, tc.want, out)
			}
		})
	}
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
