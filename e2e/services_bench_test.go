package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// benchServicesYAML is the benchmark's backend (one test server on n1,
// Ready through a one-second probe that one failure flips), a twin of it
// on n1 that the baseline runs reach straight by its pod IP (see
// BenchmarkServices for why not the backend itself), the five
// pods the filler services select (they need not listen: only their
// addresses are programmed), a busybox pod on every node to send from,
// and the service under test.
const benchServicesYAML = `apiVersion: apps/v1
kind: Deployment
metadata: {name: bench}
spec:
  replicas: 1
  selector: {matchLabels: {app: bench}}
  template:
    metadata: {labels: {app: bench}}
    spec:
      nodeSelector: {kubernetes.io/hostname: n1}
      terminationGracePeriodSeconds: 1
      containers:
        - name: web
          image: shoal.local/testserver:1
          ports: [{containerPort: 8080}]
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
            periodSeconds: 1
            failureThreshold: 1
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: bench-direct}
spec:
  replicas: 1
  selector: {matchLabels: {app: bench-direct}}
  template:
    metadata: {labels: {app: bench-direct}}
    spec:
      nodeSelector: {kubernetes.io/hostname: n1}
      terminationGracePeriodSeconds: 1
      containers:
        - name: web
          image: shoal.local/testserver:1
          ports: [{containerPort: 8080}]
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
            periodSeconds: 1
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: fill}
spec:
  replicas: 5
  selector: {matchLabels: {app: fill}}
  template:
    metadata: {labels: {app: fill}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
        - name: sh
          image: shoal.local/busybox:1
          command: ["sleep", "3600"]
---
apiVersion: v1
kind: Service
metadata: {name: bench}
spec:
  selector: {app: bench}
  ports: [{port: 80, targetPort: 8080}]
`

const benchClientYAML = `apiVersion: apps/v1
kind: Deployment
metadata: {name: client-%[1]s}
spec:
  replicas: 1
  selector: {matchLabels: {app: client-%[1]s}}
  template:
    metadata: {labels: {app: client-%[1]s}}
    spec:
      nodeSelector: {kubernetes.io/hostname: %[1]s}
      terminationGracePeriodSeconds: 0
      containers:
        - name: sh
          image: shoal.local/busybox:1
          command: ["sleep", "3600"]
`

const fillServiceYAML = `apiVersion: v1
kind: Service
metadata: {name: fill-%05d}
spec:
  selector: {app: fill}
  ports: [{port: 80, targetPort: 8080}]
---
`

// BenchmarkServices measures the service data plane end to end on agents
// in network namespaces (bench/services.sh runs it, once):
//   - wrk requests/s and p99 from a pod on the last node to the backend
//     on n1 through the ClusterIP, and straight to the pod IP of its
//     twin on n1 (a different server: see below), with
//     keep-alive and with a new connection per request, with 0, 10 and
//     SHOAL_BENCH_SERVICES (default 10,000) other services of 5 endpoints (medians of three
//     interleaved runs of each);
//   - apply → all those services programmed on every node, and an agent
//     restart with its nftables table deleted → all programmed again;
//   - one endpoint change (the backend's readiness flipped through the
//     test server's /ready/off and /ready/on): from the pod's Ready
//     condition changing in the API (polled every 5 ms) to the change taking effect
//     on every node, seen by connecting to the ClusterIP from a pod on
//     each node every 2 ms (refused with no endpoint, accepted with one);
//     next to it the agents' own histogram of Ready → programmed
//     (shoal_service_endpoint_programmed_seconds) over the same flips,
//     when they expose it.
//
// It prints a table. Settings: SHOAL_BENCH_NODES (2), SHOAL_BENCH_SERVICES
// (10000), SHOAL_BENCH_WRK (5s per run), SHOAL_BENCH_CYCLES (20 readiness
// flips per stage), SHOAL_BENCH_STATE (a file where it records its
// namespaces and directory so the script can clean up after a crash).
func BenchmarkServices(b *testing.B) {
	nodes := envInt(b, "SHOAL_BENCH_NODES", 2)
	many := envInt(b, "SHOAL_BENCH_SERVICES", 10000)
	cycles := envInt(b, "SHOAL_BENCH_CYCLES", 20)
	wrkFor, err := time.ParseDuration(envOr("SHOAL_BENCH_WRK", "5s"))
	if err != nil {
		b.Fatalf("SHOAL_BENCH_WRK: %v", err)
	}
	var names []string
	for i := 1; i <= nodes; i++ {
		names = append(names, fmt.Sprintf("n%d", i))
	}
	c := serviceCluster(b, names...)
	recordState(b, c)
	first, last := c.Agents[0], c.Agents[len(c.Agents)-1]
	applyTB(b, first, []byte(benchServicesYAML))
	for _, n := range names {
		applyTB(b, first, []byte(fmt.Sprintf(benchClientYAML, n)))
	}
	backend := waitReadyPods(b, first, "bench", 1)[0]
	// The baseline goes to a twin of the backend, never to the backend
	// itself: with a new connection per request the server keeps the
	// TIME_WAIT, and a client port reused for the backend within its 60 s,
	// once by pod IP and once by ClusterIP, carries TCP timestamps of
	// another offset (the kernel derives it from the address the client
	// connects to, which DNAT changes): the server's TIME_WAIT rejects
	// that SYN (PAWS), the client retries after a second, and the runs
	// measure each other's leftovers (TestShortConnectionsThroughClusterIP
	// in netsvc).
	direct := waitReadyPods(b, first, "bench-direct", 1)[0]
	waitReadyPods(b, first, "fill", 5)
	clientNS := map[string]string{}
	for _, n := range names {
		p := waitReadyPods(b, first, "client-"+n, 1)[0]
		clientNS[n] = filepath.Join(agentNamed(c, n).DataDir, "netns", p.UID)
	}
	from := clientNS[last.Name]
	podURL := "http://" + net.JoinHostPort(direct.Status.PodIP, "8080") + "/healthz"

	var rows []benchRow
	res := &benchResults{}
	// Straight to the pod first: it needs nothing of services.
	runWrk(b, from, podURL, wrkFor, false)

	svcIP := waitClusterIPs(b, first, []string{"bench"}, 60*time.Second)["bench"]
	svcURL := "http://" + net.JoinHostPort(svcIP, "80") + "/healthz"
	waitAnswers(b, from, net.JoinHostPort(svcIP, "80"))
	wrkRound := func(label string) {
		for _, closeEach := range []bool{false, true} {
			mode := "keep-alive"
			if closeEach {
				mode = "conn/request"
			}
			pod, svc := wrkPairs(b, from, podURL, svcURL, wrkFor, closeEach)
			rows = append(rows, benchRow{label: label + ", " + mode, pod: pod, svc: svc})
		}
	}
	wrkRound("0 other services")

	applyFill(b, first, 0, 10)
	programmedEverywhere(b, c, waitClusterIPsPrefix(b, first, "fill-", 10))
	wrkRound("10 other services")
	snap := programmedSnapshot(c)
	flips10 := readinessFlips(b, c, first, backend, clientNS, svcIP, cycles)
	res.note("the agents' own measure during the flips with 10 services: %s", programmedSince(c, snap))

	start := time.Now()
	applyFill(b, first, 10, many)
	applied := time.Since(start)
	ips := waitClusterIPsPrefix(b, first, "fill-", many)
	allocated := time.Since(start)
	perNode := programmedEverywhere(b, c, ips)
	res.note("apply %d services (5 endpoints each): applied in %s, all cluster IPs allocated after %s, programmed on %s",
		many-10, applied.Round(time.Millisecond), allocated.Round(time.Millisecond), fmtNodeTimes(perNode, start))
	wrkRound(fmt.Sprintf("%d other services", many))
	snap = programmedSnapshot(c)
	flipsMany := readinessFlips(b, c, first, backend, clientNS, svcIP, cycles)
	res.note("the agents' own measure during the flips with %d services: %s", many, programmedSince(c, snap))

	// From nothing: the last agent killed, its table deleted, restarted.
	last.Kill()
	if out, err := last.InNetNS(context.Background(), "nft", "delete", "table", "ip", "shoal"); err != nil {
		b.Logf("delete table on %s: %v %s", last.Name, err, out)
	}
	restart := time.Now()
	last.Restart()
	ready := time.Since(restart)
	again := programmedEverywhere(b, c, ips)
	res.note("agent %s killed, its nftables table deleted, restarted: API ready after %s, %d services programmed after %s",
		last.Name, ready.Round(time.Millisecond), many, again[last.Name].Sub(restart).Round(time.Millisecond))

	printServicesTable(rows, res, flips10, flipsMany, many, nodes)
}

// benchRow is one wrk comparison: the same load straight to the pod and
// through the ClusterIP.
type benchRow struct {
	label    string
	pod, svc wrkResult
}

type benchResults struct{ notes []string }

func (r *benchResults) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

func printServicesTable(rows []benchRow, res *benchResults, flips10, flipsMany flipTimes, many, nodes int) {
	fmt.Printf("\nServices benchmark, %d agents in network namespaces; wrk from a pod on the last node to a pod on n1\n", nodes)
	fmt.Printf("%-34s %10s %10s %9s %9s %9s %9s %9s %9s\n", "load", "pod req/s", "svc req/s", "rps ratio", "pod p99", "svc p99", "p99 ratio", "pod max", "svc max")
	for _, r := range rows {
		fmt.Printf("%-34s %10.0f %10.0f %9.3f %9s %9s %9.3f %9s %9s\n", r.label, r.pod.rps, r.svc.rps, r.pod.rps/r.svc.rps,
			ms(r.pod.p99), ms(r.svc.p99), float64(r.svc.p99)/float64(r.pod.p99), ms(r.pod.max), ms(r.svc.max))
	}
	fmt.Println("(medians of 3 runs; ratios: pod/svc for req/s and svc/pod for p99; goal ≤ 1.1)")
	for _, r := range rows {
		if r.pod.errors != "" || r.svc.errors != "" {
			fmt.Printf("wrk errors, %s: pod %q, svc %q\n", r.label, r.pod.errors, r.svc.errors)
		}
	}
	for _, f := range []struct {
		label string
		t     flipTimes
	}{{"10 other services", flips10}, {fmt.Sprintf("%d other services", many), flipsMany}} {
		fmt.Printf("endpoint change, %s (%d flips): Ready → programmed on every node p50 %s p99 %s; NotReady → removed p50 %s p99 %s\n",
			f.label, len(f.t.added), ms(pctl(f.t.added, 0.5)), ms(pctl(f.t.added, 0.99)), ms(pctl(f.t.removed, 0.5)), ms(pctl(f.t.removed, 0.99)))
	}
	for _, n := range res.notes {
		fmt.Println(n)
	}
	fmt.Println()
}

func ms(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }

// wrkResult is what one wrk run measured.
type wrkResult struct {
	rps    float64
	p99    time.Duration
	max    time.Duration // the slowest request: a stall (a lost SYN costs 1 s) shows here, not in p99
	errors string
}

var (
	wrkRPS    = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkP99    = regexp.MustCompile(`\n\s+99%\s+([0-9.]+)(us|ms|s)\b`)
	wrkMax    = regexp.MustCompile(`\n\s+Latency\s+\S+\s+\S+\s+([0-9.]+)(us|ms|s)\b`)
	wrkErrors = regexp.MustCompile(`(Socket errors:.*|Non-2xx or 3xx responses:.*)`)
)

// runWrk runs wrk for d from the network namespace netnsPath against url:
// 2 threads, 16 connections, with keep-alive or a new connection per
// request.
func runWrk(tb testing.TB, netnsPath, url string, d time.Duration, closeEach bool) wrkResult {
	tb.Helper()
	args := []string{"--net=" + netnsPath, "--", "wrk", "-t2", "-c16", "-d" + strconv.Itoa(int(d.Seconds())) + "s", "--latency"}
	if closeEach {
		args = append(args, "-H", "Connection: close")
	}
	out, err := hostRun(context.Background(), "nsenter", append(args, url)...)
	if err != nil {
		tb.Fatalf("wrk %s: %v\n%s", url, err, out)
	}
	m, p := wrkRPS.FindStringSubmatch(out), wrkP99.FindStringSubmatch(out)
	if m == nil || p == nil {
		tb.Fatalf("wrk %s: no Requests/sec or 99%% line in:\n%s", url, out)
	}
	rps, _ := strconv.ParseFloat(m[1], 64)
	r := wrkResult{rps: rps, p99: wrkDuration(p), errors: strings.Join(wrkErrors.FindAllString(out, -1), "; ")}
	if mx := wrkMax.FindStringSubmatch(out); mx != nil {
		r.max = wrkDuration(mx)
	}
	tb.Logf("wrk %s close=%v: %.0f req/s p99 %s max %s %s", url, closeEach, r.rps, r.p99, r.max, r.errors)
	return r
}

// wrkPairs runs wrk against the pod and the service alternately, three
// times each, and returns the median of each: the machine is shared, so
// one run alone says little.
func wrkPairs(tb testing.TB, netnsPath, podURL, svcURL string, d time.Duration, closeEach bool) (pod, svc wrkResult) {
	tb.Helper()
	var pods, svcs []wrkResult
	for range 3 {
		pods = append(pods, runWrk(tb, netnsPath, podURL, d, closeEach))
		svcs = append(svcs, runWrk(tb, netnsPath, svcURL, d, closeEach))
	}
	return medianWrk(pods), medianWrk(svcs)
}

// medianWrk is the median requests/s and the median p99 of runs.
func medianWrk(runs []wrkResult) wrkResult {
	rps := make([]float64, len(runs))
	p99 := make([]time.Duration, len(runs))
	maxes := make([]time.Duration, len(runs))
	var errs []string
	for i, r := range runs {
		rps[i], p99[i], maxes[i] = r.rps, r.p99, r.max
		if r.errors != "" {
			errs = append(errs, r.errors)
		}
	}
	slices.Sort(rps)
	slices.Sort(p99)
	slices.Sort(maxes)
	return wrkResult{rps: rps[len(rps)/2], p99: p99[len(p99)/2], max: maxes[len(maxes)/2], errors: strings.Join(errs, "; ")}
}

// wrkDuration reads a number and its unit (us, ms, s) matched by a wrk
// regexp.
func wrkDuration(m []string) time.Duration {
	v, _ := strconv.ParseFloat(m[1], 64)
	unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[2]]
	return time.Duration(v * float64(unit))
}

// flipTimes are the latencies of readiness flips.
type flipTimes struct{ added, removed []time.Duration }

// readinessFlips flips the backend's readiness n times each way and
// measures, per flip, from the API showing the new Ready condition to
// the last node whose ClusterIP behaviour follows.
func readinessFlips(tb testing.TB, c *testcluster.Cluster, a *testcluster.Agent, backend *api.Pod, clientNS map[string]string, svcIP string, n int) flipTimes {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The API is polled every 5 ms for the Ready condition (a poll, not
	// a watch, keeps this independent of the watch's wire type).
	changes := make(chan time.Time, 16)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		cl := a.Client()
		last := true
		for ctx.Err() == nil {
			o, err := cl.Get(ctx, "pods", "default", backend.Name)
			if p, ok := o.(*api.Pod); err == nil && ok && ready(p) != last {
				last = !last
				changes <- time.Now()
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	defer wg.Wait()
	defer cancel()
	addr := net.JoinHostPort(svcIP, "80")
	toggle := "http://" + net.JoinHostPort(backend.Status.PodIP, "8080") + "/ready/"
	var ft flipTimes
	for i := 0; i < 2*n; i++ {
		on := i%2 == 1
		state := map[bool]string{true: "on", false: "off"}[on]
		seen := make(chan map[string]time.Time, 1)
		go func() { seen <- probeUntil(tb, clientNS, addr, on, 30*time.Second) }()
		if err := toggleReady(clientNS[a.Name], toggle+state); err != nil {
			tb.Fatalf("GET %s%s from the client pod on %s: %v", toggle, state, a.Name, err)
		}
		var changed time.Time
		select {
		case changed = <-changes:
		case <-time.After(30 * time.Second):
			tb.Fatalf("backend %s: Ready did not turn %v within 30s of /ready/%s", backend.Name, on, state)
		}
		at := <-seen
		var worst time.Duration
		for node, t := range at {
			if t.IsZero() {
				tb.Fatalf("ClusterIP %s from %s: still %s 30s after Ready turned %v", addr, node, map[bool]string{true: "refused", false: "accepted"}[on], on)
			}
			worst = max(worst, t.Sub(changed))
		}
		if on {
			ft.added = append(ft.added, worst)
		} else {
			ft.removed = append(ft.removed, worst)
		}
	}
	return ft
}

// toggleReady sends GET url from the network namespace netnsPath.
func toggleReady(netnsPath, url string) error {
	u := strings.TrimPrefix(url, "http://")
	host, path, _ := strings.Cut(u, "/")
	var err error
	_, nerr := askN(netnsPath, 1, func() answer {
		conn, e := net.DialTimeout("tcp", host, 2*time.Second)
		if e != nil {
			err = e
			return answer{}
		}
		defer func() { _ = conn.Close() }()
		_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
		_, err = fmt.Fprintf(conn, "GET /%s HTTP/1.0\r\nHost: test\r\n\r\n", path)
		buf := make([]byte, 512)
		_, _ = conn.Read(buf)
		return answer{}
	})
	if nerr != nil {
		return nerr
	}
	return err
}

// probeUntil connects to addr every 2 ms from each client pod until the
// connection is accepted (want true) or refused (want false), and returns
// when each first saw it (zero time: not within timeout).
func probeUntil(tb testing.TB, clientNS map[string]string, addr string, want bool, timeout time.Duration) map[string]time.Time {
	var mu sync.Mutex
	out := map[string]time.Time{}
	var wg sync.WaitGroup
	for node, ns := range clientNS {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var at time.Time
			_, err := askN(ns, 1, func() answer {
				deadline := time.Now().Add(timeout)
				for time.Now().Before(deadline) {
					conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
					if err == nil {
						_ = conn.Close()
					}
					// Removed means refused (no endpoint: reject), not a
					// timeout.
					if (want && err == nil) || (!want && errors.Is(err, syscall.ECONNREFUSED)) {
						at = time.Now()
						return answer{}
					}
					time.Sleep(2 * time.Millisecond)
				}
				return answer{}
			})
			if err != nil {
				tb.Errorf("probe from %s: %v", node, err)
			}
			mu.Lock()
			out[node] = at
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// programmedEverywhere waits until every agent's nftables ruleset holds
// every address in ips and returns when each got there. Listing a big
// ruleset takes a while: that time plus the pause between listings (50
// ms, 500 ms for more than 100 addresses) is the resolution.
func programmedEverywhere(tb testing.TB, c *testcluster.Cluster, ips map[string]string) map[string]time.Time {
	tb.Helper()
	ipRE := regexp.MustCompile(`\b\d+\.\d+\.\d+\.\d+\b`)
	// Listing thousands of services costs the agents CPU: look less often.
	pause := 50 * time.Millisecond
	if len(ips) > 100 {
		pause = 500 * time.Millisecond
	}
	var mu sync.Mutex
	out := map[string]time.Time{}
	var wg sync.WaitGroup
	for _, a := range c.Agents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			deadline := time.Now().Add(10 * time.Minute)
			missing := len(ips)
			for time.Now().Before(deadline) {
				rules, err := ruleset(a)
				if err == nil {
					have := map[string]bool{}
					for _, ip := range ipRE.FindAllString(rules, -1) {
						have[ip] = true
					}
					missing = 0
					for _, ip := range ips {
						if !have[ip] {
							missing++
						}
					}
					if missing == 0 {
						mu.Lock()
						out[a.Name] = time.Now()
						mu.Unlock()
						return
					}
				}
				time.Sleep(pause)
			}
			tb.Errorf("nft on %s: %d of %d service addresses still missing after 10m", a.Name, missing, len(ips))
		}()
	}
	wg.Wait()
	if tb.Failed() {
		tb.FailNow()
	}
	return out
}

func fmtNodeTimes(at map[string]time.Time, since time.Time) string {
	var parts []string
	for node, t := range at {
		parts = append(parts, fmt.Sprintf("%s after %s", node, t.Sub(since).Round(time.Millisecond)))
	}
	return strings.Join(parts, ", ")
}

// applyFill applies filler services fill-from … fill-(to-1), 1,000 to a
// manifest.
func applyFill(tb testing.TB, a *testcluster.Agent, from, to int) {
	tb.Helper()
	cl := a.Client()
	for lo := from; lo < to; lo += 1000 {
		var m strings.Builder
		for i := lo; i < min(to, lo+1000); i++ {
			fmt.Fprintf(&m, fillServiceYAML, i)
		}
		if _, err := cl.Apply(context.Background(), []byte(m.String())); err != nil {
			tb.Fatalf("apply fill services %d-%d: %v", lo, min(to, lo+1000)-1, err)
		}
	}
}

// waitClusterIPs waits until the named services have cluster IPs.
func waitClusterIPs(tb testing.TB, a *testcluster.Agent, names []string, timeout time.Duration) map[string]string {
	tb.Helper()
	out := map[string]string{}
	testcluster.Eventually(tb, timeout, func() error {
		for _, n := range names {
			o, err := a.Client().Get(context.Background(), "services", "default", n)
			if err != nil {
				return err
			}
			s := o.(*api.Service)
			if _, err := netip.ParseAddr(s.Spec.ClusterIP); err != nil {
				return fmt.Errorf("service %s has no cluster IP (%q): is the leader allocating?", n, s.Spec.ClusterIP)
			}
			out[n] = s.Spec.ClusterIP
		}
		return nil
	})
	return out
}

// waitClusterIPsPrefix waits until n services named prefix* have cluster
// IPs and returns them by name.
func waitClusterIPsPrefix(tb testing.TB, a *testcluster.Agent, prefix string, n int) map[string]string {
	tb.Helper()
	out := map[string]string{}
	testcluster.Eventually(tb, 10*time.Minute, func() error {
		objs, err := a.Client().List(context.Background(), "services", "default", "")
		if err != nil {
			return err
		}
		clear(out)
		for _, o := range objs {
			s := o.(*api.Service)
			if strings.HasPrefix(s.Name, prefix) && s.Spec.ClusterIP != "" {
				out[s.Name] = s.Spec.ClusterIP
			}
		}
		if len(out) < n {
			return fmt.Errorf("%d of %d %s* services have a cluster IP", len(out), n, prefix)
		}
		return nil
	})
	return out
}

// waitAnswers waits until addr answers HTTP from netnsPath.
func waitAnswers(tb testing.TB, netnsPath, addr string) {
	tb.Helper()
	testcluster.Eventually(tb, 60*time.Second, func() error {
		as, err := askN(netnsPath, 1, func() answer { return httpOnce(addr, 2*time.Second) })
		if err != nil {
			return err
		}
		if as[0].Err != nil {
			return fmt.Errorf("%s from the client pod: %v (%s)", addr, as[0].Err, errKind(as[0].Err))
		}
		return nil
	})
}

// waitReadyPods waits until app has n Ready live pods and returns them.
func waitReadyPods(tb testing.TB, a *testcluster.Agent, app string, n int) []*api.Pod {
	tb.Helper()
	var pods []*api.Pod
	testcluster.Eventually(tb, 120*time.Second, func() error {
		objs, err := a.Client().List(context.Background(), "pods", "default", "app="+app)
		if err != nil {
			return err
		}
		pods = pods[:0]
		for _, o := range objs {
			if p := o.(*api.Pod); p.DeletionTimestamp == nil && ready(p) && p.Status.PodIP != "" {
				pods = append(pods, p)
			}
		}
		if len(pods) != n {
			return fmt.Errorf("%d Ready pods of %s, want %d", len(pods), app, n)
		}
		return nil
	})
	return pods
}

func applyTB(tb testing.TB, a *testcluster.Agent, manifest []byte) {
	tb.Helper()
	if _, errOut, err := a.CLIWithInput(manifest, "apply", "-f", "-"); err != nil {
		tb.Fatalf("apply: %v: %s", err, errOut)
	}
}

// recordState writes the cluster's network-namespace tag and directory
// to $SHOAL_BENCH_STATE, for bench/services.sh to clean up if this
// process dies before its cleanups run.
func recordState(tb testing.TB, c *testcluster.Cluster) {
	tb.Helper()
	path := os.Getenv("SHOAL_BENCH_STATE")
	if path == "" {
		return
	}
	a := c.Agents[0]
	parts := strings.Split(a.NetNS(), "-") // shoal-ID-NAME
	state := fmt.Sprintf("id %s\ndir %s\n", parts[1], filepath.Dir(a.DataDir))
	if err := os.WriteFile(path, []byte(state), 0o644); err != nil {
		tb.Fatalf("write %s: %v", path, err)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(tb testing.TB, name string, def int) int {
	tb.Helper()
	n, err := strconv.Atoi(envOr(name, strconv.Itoa(def)))
	if err != nil || n < 1 {
		tb.Fatalf("%s=%q: want a positive number", name, os.Getenv(name))
	}
	return n
}
