package testcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/client"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds ./cmd/shoal once per test process and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		removeStaleBinaries()
		dir, err := os.MkdirTemp("", "shoal-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "shoal")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/shoal-dev/shoal/cmd/shoal")
		cmd.Dir = moduleRoot()
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// removeStaleBinaries deletes binaries earlier test processes built more
// than an hour ago (a test process cannot remove its own at exit).
func removeStaleBinaries() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "shoal-bin-*"))
	for _, d := range dirs {
		if fi, err := os.Stat(d); err == nil && time.Since(fi.ModTime()) > time.Hour {
			_ = os.RemoveAll(d)
		}
	}
}

func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Cluster is a set of agents started by one test.
type Cluster struct {
	t      testing.TB
	bin    string
	dir    string
	Agents []*Agent
	// Args are extra flags every agent gets.
	Args []string
	// lan is set for clusters whose agents run in network namespaces.
	lan *lan
	// tokens are the secrets last read by file name (readToken).
	tokensMu sync.Mutex
	tokens   map[string]string
}

// Agent is one agent process.
type Agent struct {
	c *Cluster
	// client is the kept API client (see Client), for clientTok.
	clientMu  sync.Mutex
	client    *client.Client
	clientTok string

	Name       string
	DataDir    string
	IP         string
	GossipPort int
	RaftPort   int
	APIPort    int
	// DNSPort is the agent's host-side DNS port on IP (53 in a network
	// namespace, a free port on loopback).
	DNSPort int
	args    []string
	netns   string // network namespace, "" for loopback agents
	cmd     *exec.Cmd
	done    chan struct{}
	exitErr error
	log     *os.File
}

// New returns an empty cluster whose agents stop when the test ends.
func New(t testing.TB, args ...string) *Cluster {
	t.Helper()
	skipShort(t)
	c := &Cluster{t: t, bin: Binary(t), dir: t.TempDir(), Args: args}
	t.Cleanup(c.stopAll)
	return c
}

// Token returns the cluster's join token from the data dir of the first
// agent that holds it (only current voters do).
func (c *Cluster) Token() string { return c.readToken("token") }

// AdminToken returns the cluster's admin token from the data dir of the
// first agent that holds it (only current voters do).
func (c *Cluster) AdminToken() string { return c.readToken("admin.token") }

// readToken reads a secret from the first agent's data dir that has it,
// so that the first agent being demoted (and giving its secrets up) does
// not lose the test its credentials; if none has it (a moment between
// hand-overs), the value last read.
func (c *Cluster) readToken(file string) string {
	c.t.Helper()
	var firstErr error
	for _, a := range c.Agents {
		b, err := os.ReadFile(filepath.Join(a.DataDir, file))
		if err == nil && len(strings.TrimSpace(string(b))) > 0 {
			tok := strings.TrimSpace(string(b))
			c.tokensMu.Lock()
			if c.tokens == nil {
				c.tokens = map[string]string{}
			}
			c.tokens[file] = tok
			c.tokensMu.Unlock()
			return tok
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	c.tokensMu.Lock()
	tok, ok := c.tokens[file]
	c.tokensMu.Unlock()
	if !ok {
		c.t.Fatalf("read %s: no agent holds it: %v", file, firstErr)
	}
	return tok
}

// Add starts a new agent: the first bootstraps the cluster, later ones join
// through the first agent's API with the token. It waits until the agent's
// API answers and it sees itself in gossip.
func (c *Cluster) Add(name string, args ...string) *Agent {
	c.t.Helper()
	a := c.NewAgent(name, args...)
	if len(c.Agents) > 0 {
		a.args = append(a.args, "--join", c.Agents[0].APIAddr(), "--token", c.Token())
	}
	c.Agents = append(c.Agents, a)
	if err := a.Start(); err != nil {
		c.t.Fatalf("start %s: %v", name, err)
	}
	a.WaitReady(30 * time.Second)
	return a
}

// NewAgent prepares an agent with fresh ports and data dir without
// starting it or adding it to the cluster.
func (c *Cluster) NewAgent(name string, args ...string) *Agent {
	c.t.Helper()
	a := &Agent{c: c, Name: name, DataDir: filepath.Join(c.dir, name)}
	runtimeArgs := []string{"--runtime", "none"}
	if c.lan != nil {
		// Own network namespace: default ports on its own address, its
		// own containerd under its data dir.
		a.netns, a.IP = c.lan.addHost(c.t, name)
		a.GossipPort, a.RaftPort, a.APIPort, a.DNSPort = 7946, 7947, 7948, 53
		runtimeArgs = []string{
			"--containerd-address", filepath.Join(a.DataDir, "containerd", "containerd.sock"),
			"--restart-backoff", "1s",
		}
	} else {
		ports := freePorts(c.t, 4)
		a.IP, a.GossipPort, a.RaftPort, a.APIPort, a.DNSPort = "127.0.0.1", ports[0], ports[1], ports[2], ports[3]
		// Agents share the host's network namespace here: the ingress
		// proxy's default ports (80 and 443 on every address) would
		// collide, so it is off unless a test turns it on.
		runtimeArgs = append(runtimeArgs, "--dns-addr", a.DNSAddr(), "--ingress-addr=", "--ingress-tls-addr=")
	}
	a.args = append([]string{
		"agent",
		"--name", name,
		"--data-dir", a.DataDir,
		"--bind", a.IP,
		"--gossip-port", strconv.Itoa(a.GossipPort),
		"--raft-port", strconv.Itoa(a.RaftPort),
		"--api-port", strconv.Itoa(a.APIPort),
		"--gossip-fast",
	}, runtimeArgs...)
	a.args = append(a.args, c.Args...)
	a.args = append(a.args, args...)
	return a
}

// DNSAddr is the agent's host-side DNS host:port.
func (a *Agent) DNSAddr() string { return net.JoinHostPort(a.IP, strconv.Itoa(a.DNSPort)) }

// APIAddr is the agent's API host:port.
func (a *Agent) APIAddr() string { return net.JoinHostPort(a.IP, strconv.Itoa(a.APIPort)) }

// Start runs the agent process with its arguments.
func (a *Agent) Start() error {
	return a.StartWith(a.args...)
}

// StartWith runs the agent process with the given arguments.
func (a *Agent) StartWith(args ...string) error {
	if err := os.MkdirAll(a.c.dir, 0o755); err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(a.c.dir, a.Name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "=== start %s %s\n", time.Now().Format(time.RFC3339Nano), strings.Join(args, " "))
	cmd := exec.Command(a.c.bin, args...)
	if a.netns != "" {
		// nsenter enters only the network namespace (unlike `ip netns
		// exec`, which also makes a private mount namespace that a
		// restarted agent would not share) and execs the agent.
		cmd = exec.Command("nsenter", append([]string{"--net=/run/netns/" + a.netns, "--", a.c.bin}, args...)...)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return err
	}
	a.cmd, a.log, a.done = cmd, logf, make(chan struct{})
	go func() {
		a.exitErr = cmd.Wait()
		_ = logf.Close()
		close(a.done)
	}()
	return nil
}

// Running reports whether the process is alive.
func (a *Agent) Running() bool {
	if a.done == nil {
		return false
	}
	select {
	case <-a.done:
		return false
	default:
		return true
	}
}

// Wait waits for the process to exit and returns its error.
func (a *Agent) Wait(timeout time.Duration) error {
	select {
	case <-a.done:
		return a.exitErr
	case <-time.After(timeout):
		return errors.New("timed out waiting for exit")
	}
}

// Kill sends SIGKILL and waits for the process to end.
func (a *Agent) Kill() {
	if !a.Running() {
		return
	}
	_ = a.cmd.Process.Kill()
	<-a.done
}

// Stop sends SIGTERM and waits (up to 30 s, then kills).
func (a *Agent) Stop() {
	if !a.Running() {
		return
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.done:
	case <-time.After(30 * time.Second):
		a.Kill()
	}
}

// Restart starts a stopped agent again with the same data dir, without
// --join/--token: it must rejoin by itself.
func (a *Agent) Restart(extra ...string) {
	a.c.t.Helper()
	if err := a.Relaunch(extra...); err != nil {
		a.c.t.Fatalf("restart %s: %v", a.Name, err)
	}
	a.WaitReady(30 * time.Second)
}

// Relaunch starts a stopped agent again as Restart does, with extra
// arguments after its own, and does not wait for it: for agents expected
// to refuse to start.
func (a *Agent) Relaunch(extra ...string) error {
	var args []string
	for i := 0; i < len(a.args); i++ {
		if a.args[i] == "--join" || a.args[i] == "--token" {
			i++
			continue
		}
		args = append(args, a.args[i])
	}
	a.args = append(args, extra...)
	return a.Start()
}

// Log returns the agent's log so far.
func (a *Agent) Log() string {
	b, _ := os.ReadFile(filepath.Join(a.c.dir, a.Name+".log"))
	return string(b)
}

// Client returns an API client for this agent. It is kept and reused
// (one pool of connections per agent, as a long-lived client has: the API
// caps open connections per source address), and replaced when the admin
// token changed.
func (a *Agent) Client() *client.Client {
	a.c.t.Helper()
	tok := a.c.AdminToken()
	a.clientMu.Lock()
	defer a.clientMu.Unlock()
	if a.client != nil && a.clientTok == tok {
		return a.client
	}
	cl, err := client.New(a.APIAddr(), tok)
	if err != nil {
		a.c.t.Fatal(err)
	}
	if a.client != nil {
		a.client.CloseIdleConnections()
	}
	a.client, a.clientTok = cl, tok
	return cl
}

// WaitReady waits until the agent's API answers with a status that knows a
// leader and lists the agent alive.
func (a *Agent) WaitReady(timeout time.Duration) {
	a.c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if !a.Running() {
			a.c.t.Fatalf("agent %s exited: %v\n%s", a.Name, a.exitErr, a.Log())
		}
		if _, err := os.Stat(filepath.Join(a.DataDir, "node.crt")); err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			st, err := a.Client().Status(ctx)
			cancel()
			if err == nil && st.Leader != "" {
				for _, m := range st.Members {
					if m.Name == a.Name && m.Status == "alive" {
						return
					}
				}
			}
		}
		if time.Now().After(deadline) {
			a.c.t.Fatalf("agent %s not ready after %s\n%s", a.Name, timeout, a.Log())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// CLI runs a shoal client command against this agent and returns stdout,
// stderr and the error (an *exec.ExitError on non-zero exit).
func (a *Agent) CLI(args ...string) (string, string, error) {
	return a.CLIWithInput(nil, args...)
}

// CLIWithInput is CLI with stdin.
func (a *Agent) CLIWithInput(stdin []byte, args ...string) (string, string, error) {
	a.c.t.Helper()
	cmd := exec.Command(a.c.bin, args...)
	cmd.Env = append(os.Environ(), "SHOAL_ADDR=https://"+a.APIAddr(), "SHOAL_TOKEN="+a.c.AdminToken())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// Run runs the shoal binary with args and no cluster environment.
func (c *Cluster) Run(args ...string) (string, string, error) {
	cmd := exec.Command(c.bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

func (c *Cluster) stopAll() {
	var wg sync.WaitGroup
	for _, a := range c.Agents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.Kill()
		}()
	}
	wg.Wait()
	if c.t.Failed() {
		for _, a := range c.Agents {
			c.t.Logf("---- log of %s ----\n%s", a.Name, tail(a.Log(), 80))
		}
	}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// freePorts returns n distinct ports free for both TCP and UDP on
// 127.0.0.1 (gossip needs both).
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	var keep []interface{ Close() error }
	defer func() {
		for _, k := range keep {
			_ = k.Close()
		}
	}()
	for len(ports) < n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		pc, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			_ = ln.Close()
			continue
		}
		keep = append(keep, ln, pc)
		ports = append(ports, port)
	}
	return ports
}

// Eventually polls cond every 100ms until it returns nil or timeout
// passes, then fails the test with cond's last error.
func Eventually(t testing.TB, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// PID is the agent process's pid, 0 if not running.
func (a *Agent) PID() int {
	if !a.Running() {
		return 0
	}
	return a.cmd.Process.Pid
}

// RSS returns the agent process's resident set size in bytes.
func (a *Agent) RSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", a.PID()))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

// CLIContext is CLI bounded by ctx; it returns what the command printed
// until then.
func (a *Agent) CLIContext(ctx context.Context, args ...string) (string, error) {
	a.c.t.Helper()
	cmd := exec.CommandContext(ctx, a.c.bin, args...)
	cmd.Env = append(os.Environ(), "SHOAL_ADDR=https://"+a.APIAddr(), "SHOAL_TOKEN="+a.c.AdminToken())
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Bin is the path of the shoal binary the cluster runs.
func (c *Cluster) Bin() string { return c.bin }

// ClientEnv is the environment a shoal client needs to talk to a.
func (a *Agent) ClientEnv() []string {
	return append(os.Environ(), "SHOAL_ADDR=https://"+a.APIAddr(), "SHOAL_TOKEN="+a.c.AdminToken())
}

// skipShort skips a cluster test under -short, which runs only the fast
// unit tests.
func skipShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("cluster test: skipped with -short")
	}
}
