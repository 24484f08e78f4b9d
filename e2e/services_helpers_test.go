package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/netnstest"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// serviceCluster is podCluster with a node grace long enough that an
// agent killed and restarted by a test keeps its pods: the tests measure
// the data plane across an agent restart, not a node's replacement.
func serviceCluster(tb testing.TB, names ...string) *testcluster.Cluster {
	tb.Helper()
	c := testcluster.NewNetNS(tb, "--node-grace", "60s")
	for _, n := range names {
		c.Add(n)
	}
	importImages(tb, c)
	return c
}

// answer is what one request through a service got back: the test
// server's hostname (its pod's name) and the client address it saw, or
// the error.
type answer struct {
	Hostname string
	Remote   string
	Err      error
	Took     time.Duration
}

// hostLine is the part of the test server's JSON answers (HTTP and UDP)
// the service tests read.
type hostLine struct {
	Hostname string `json:"hostname"`
	Remote   string `json:"remoteAddr"`
	Request  struct {
		RemoteAddr string `json:"remoteAddr"`
	} `json:"request"`
}

// httpOnce opens a new TCP connection to addr (so every call is a new
// load-balancing decision), sends GET / and reads the test server's
// answer. It runs in the calling thread's network namespace.
func httpOnce(addr string, timeout time.Duration) answer {
	start := time.Now()
	a := func(err error) answer { return answer{Err: err, Took: time.Since(start)} }
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return a(err)
	}
	defer func() { _ = conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"); err != nil {
		return a(fmt.Errorf("send request: %w", err))
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return a(fmt.Errorf("read response: %w", err))
	}
	defer func() { _ = res.Body.Close() }()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return a(fmt.Errorf("read body: %w", err))
	}
	if res.StatusCode != http.StatusOK {
		return a(fmt.Errorf("status %s: %s", res.Status, body))
	}
	var h hostLine
	if err := json.Unmarshal(body, &h); err != nil || h.Hostname == "" {
		return a(fmt.Errorf("answer %q is not the test server's JSON: %v", body, err))
	}
	return answer{Hostname: h.Hostname, Remote: h.Request.RemoteAddr, Took: time.Since(start)}
}

// udpOnce sends one datagram to addr from a new socket and reads the
// test server's one-line JSON answer.
func udpOnce(addr string, timeout time.Duration) answer {
	start := time.Now()
	a := func(err error) answer { return answer{Err: err, Took: time.Since(start)} }
	conn, err := net.Dial("udp", addr)
	if err != nil {
		return a(err)
	}
	defer func() { _ = conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if _, err := conn.Write([]byte("hello")); err != nil {
		return a(fmt.Errorf("send datagram: %w", err))
	}
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		return a(fmt.Errorf("read datagram: %w", err))
	}
	var h hostLine
	if err := json.Unmarshal(buf[:n], &h); err != nil || h.Hostname == "" {
		return a(fmt.Errorf("answer %q is not the test server's JSON: %v", buf[:n], err))
	}
	return answer{Hostname: h.Hostname, Remote: h.Remote, Took: time.Since(start)}
}

// askN sends n requests with do from the network namespace bound at
// netnsPath ("" for the test host's own).
func askN(netnsPath string, n int, do func() answer) ([]answer, error) {
	var out []answer
	run := func() error {
		for range n {
			out = append(out, do())
		}
		return nil
	}
	var err error
	if netnsPath == "" {
		err = run()
	} else {
		err = netnstest.InNetNS(netnsPath, run)
	}
	return out, err
}

// tally summarises answers: how many each pod gave, and the errors.
type tally struct {
	byHost map[string]int
	errs   []string
}

func tallyOf(as []answer) tally {
	t := tally{byHost: map[string]int{}}
	for _, a := range as {
		if a.Err != nil {
			t.errs = append(t.errs, a.Err.Error())
			continue
		}
		t.byHost[a.Hostname]++
	}
	return t
}

func (t tally) String() string {
	s := fmt.Sprintf("answers per pod %v", t.byHost)
	if len(t.errs) > 0 {
		s += fmt.Sprintf(", %d failed (first: %s)", len(t.errs), t.errs[0])
	}
	return s
}

// podNetNS is where the runtime binds pod p's network namespace on its
// node: entering it is being that pod on the network.
func podNetNS(t *testing.T, c *testcluster.Cluster, p *api.Pod) string {
	t.Helper()
	for _, a := range c.Agents {
		if a.Name != p.Spec.NodeName {
			continue
		}
		path := filepath.Join(a.DataDir, "netns", p.UID)
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("network namespace of pod %s on %s: %v", p.Name, a.Name, err)
		}
		return path
	}
	t.Fatalf("pod %s runs on %q, which is no agent of this cluster", p.Name, p.Spec.NodeName)
	return ""
}

// livePods lists app's pods that are not being deleted and not finished.
func livePods(t *testing.T, a *testcluster.Agent, app string) []*api.Pod {
	t.Helper()
	var out []*api.Pod
	for _, p := range podsOf(t, a, app) {
		if p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// nodesOf maps each pod name to its node.
func nodesOf(pods []*api.Pod) map[string]string {
	out := map[string]string{}
	for _, p := range pods {
		out[p.Name] = p.Spec.NodeName
	}
	return out
}

// svcOf reads a service as agent a sees it.
func svcOf(t *testing.T, a *testcluster.Agent, name string) *api.Service {
	t.Helper()
	o, err := a.Client().Get(context.Background(), "services", "default", name)
	if err != nil {
		t.Fatalf("get service %s: %v", name, err)
	}
	return o.(*api.Service)
}

// ruleset is `nft list ruleset` in agent a's network namespace.
func ruleset(a *testcluster.Agent) (string, error) {
	// Listing 10,000 services takes seconds of CPU (bench/services.sh).
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := a.InNetNS(ctx, "nft", "list", "ruleset")
	if err != nil {
		return "", fmt.Errorf("nft list ruleset on %s: %v: %s", a.Name, err, out)
	}
	return out, nil
}

// mentions reports whether an nft ruleset names ip as a whole address
// (10.42.1.5 does not match 10.42.1.50).
func mentions(rules, ip string) bool {
	re := regexp.MustCompile(`(^|[^0-9.])` + regexp.QuoteMeta(ip) + `([^0-9]|$)`)
	return re.MatchString(rules)
}

// traffic sends requests without pause from a network namespace on
// several workers until stopped, and counts what came back.
type traffic struct {
	stop chan struct{}
	wg   sync.WaitGroup

	mu      sync.Mutex
	ok      int
	byHost  map[string]int
	fails   []string
	started time.Time
}

// startTraffic runs workers goroutines, each in netnsPath, each sending
// HTTP requests to addr over a new connection at a time.
func startTraffic(t *testing.T, netnsPath, addr string, workers int) *traffic {
	t.Helper()
	return startLoad(t, netnsPath, workers, func() answer { return httpOnce(addr, 3*time.Second) })
}

// startLoad runs workers goroutines, each in netnsPath ("" for the test
// host's own), each calling do in a loop until stopped.
func startLoad(t *testing.T, netnsPath string, workers int, do func() answer) *traffic {
	t.Helper()
	tr := &traffic{stop: make(chan struct{}), byHost: map[string]int{}, started: time.Now()}
	for range workers {
		tr.wg.Add(1)
		go func() {
			defer tr.wg.Done()
			inNS := func(f func() error) error { return netnstest.InNetNS(netnsPath, f) }
			if netnsPath == "" {
				inNS = func(f func() error) error { return f() }
			}
			err := inNS(func() error {
				for {
					select {
					case <-tr.stop:
						return nil
					default:
					}
					a := do()
					tr.mu.Lock()
					if a.Err != nil {
						tr.fails = append(tr.fails, fmt.Sprintf("%s after %s: %v (%s)",
							time.Since(tr.started).Round(time.Millisecond), a.Took.Round(time.Millisecond), a.Err, errKind(a.Err)))
					} else {
						tr.ok++
						tr.byHost[a.Hostname]++
					}
					tr.mu.Unlock()
					time.Sleep(5 * time.Millisecond)
				}
			})
			if err != nil {
				tr.mu.Lock()
				tr.fails = append(tr.fails, err.Error())
				tr.mu.Unlock()
			}
		}()
	}
	return tr
}

// finish stops the workers and returns the counts.
func (tr *traffic) finish() (ok int, byHost map[string]int, fails []string) {
	close(tr.stop)
	tr.wg.Wait()
	return tr.ok, tr.byHost, tr.fails
}

// errKind names the kind of a dial or read error, so a failure says
// whether the connection was refused, reset, unreachable or timed out.
func errKind(err error) string {
	var ne net.Error
	switch {
	case err == nil:
		return "none"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "unreachable"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "closed without an answer"
	default:
		return "other"
	}
}

// table parses a CLI table by its header's column starts: cells may hold
// spaces (kubectl's "a,b,c + 2 more...").
type table struct {
	header []string
	rows   map[string]map[string]string // by NAME, by header
}

var headerWord = regexp.MustCompile(`\S+`)

func parseTable(out string) table {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	tb := table{rows: map[string]map[string]string{}}
	if len(lines) == 0 {
		return tb
	}
	locs := headerWord.FindAllStringIndex(lines[0], -1)
	for _, l := range locs {
		tb.header = append(tb.header, lines[0][l[0]:l[1]])
	}
	for _, line := range lines[1:] {
		row := map[string]string{}
		for i, l := range locs {
			if l[0] >= len(line) {
				break
			}
			end := len(line)
			if i+1 < len(locs) && locs[i+1][0] < end {
				end = locs[i+1][0]
			}
			row[tb.header[i]] = strings.TrimSpace(line[l[0]:end])
		}
		tb.rows[row["NAME"]] = row
	}
	return tb
}

// sameSet reports whether a comma-separated list holds exactly want.
func sameSet(list string, want []string) bool {
	got := strings.Split(list, ",")
	slices.Sort(got)
	w := slices.Clone(want)
	slices.Sort(w)
	return slices.Equal(got, w)
}
