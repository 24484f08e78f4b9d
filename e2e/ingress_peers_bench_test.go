package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/testcluster"
)

// ingressBenchHost is the host every proxy is measured on; wrk and curl
// resolve it to 127.0.0.1 in the agent's network namespace.
const ingressBenchHost = "bench.local"

// ingressBenchPath is the backend's answer under load: the test
// server's /healthz ("ok").
const ingressBenchPath = "/healthz"

// ingressBackendYAML is the backend: %d test servers pinned to n1, Ready
// through their /readyz, behind the service web.
const ingressBackendYAML = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: %d
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
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
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
`

// ingressBenchYAML is the Ingress under load: the benchmark host to web,
// over HTTP and over TLS with the certificate in bench-tls.
const ingressBenchYAML = `apiVersion: v1
kind: Secret
metadata: {name: bench-tls}
type: kubernetes.io/tls
stringData:
  tls.crt: %q
  tls.key: %q
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: bench}
spec:
  tls:
    - hosts: [%[3]s]
      secretName: bench-tls
  rules:
    - host: %[3]s
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`

// fillIngresses is a manifest of Ingresses fill-FROM..fill-(TO-1), each
// with ten rules on its own host: nine paths /p0../p8 and a last, /,
// that the benchmark asks for to see the Ingress served.
func fillIngresses(from, to int) []byte {
	var sb strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&sb, "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: fill-%d}\nspec:\n  rules:\n    - host: fill-%d.%s\n      http:\n        paths:\n", i, i, ingressBenchHost)
		for p := range 9 {
			fmt.Fprintf(&sb, "          - {path: /p%d, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}\n", p)
		}
		sb.WriteString("          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}\n---\n")
	}
	return []byte(sb.String())
}

// BenchmarkIngressPeers measures one agent's ingress proxy next to
// Debian's nginx, caddy and haproxy configured as reverse proxies to the
// same backend pods (bench/ingress.sh runs it, once). The agent runs in
// its own network namespace with its own containerd; the backend is
// SHOAL_BENCH_BACKENDS (2) test-server pods on it, behind the service
// web and the Ingress bench (host bench.local, / → web:80, TLS from a
// kubernetes.io/tls Secret). The peers run in the agent's namespace too,
// listening on 127.0.0.1 and proxying to the same pod IPs the agent's
// proxy uses, so every proxy has the same path to the backends; wrk runs
// there as well (-t2 -c64 by default, as ../shared/peers/http-peers.sh
// measures), after a warm-up, against GET /healthz with Host bench.local,
// plain and over TLS (SNI bench.local, the same self-signed ECDSA
// certificate everywhere). "backend" is wrk straight to one pod: the
// ceiling. The targets are measured in turn, SHOAL_BENCH_ROUNDS (3)
// times; the table shows medians and the spread of requests/s, the CPU
// each proxy spent per request (its process tree; for shoal the agent
// process alone), and ratios to nginx.
//
// Memory: the agent's VmRSS and Go heap in use with the backend and no
// Ingress, then with SHOAL_BENCH_RULES (1,000) more Ingress rules (ten
// to an Ingress, each on its own host), with the time from that apply
// to the last Ingress being served, and after the load runs.
//
// Settings: SHOAL_BENCH_DUR (10s), SHOAL_BENCH_WARM (2s),
// SHOAL_BENCH_THREADS (2), SHOAL_BENCH_CONNS (64), SHOAL_BENCH_TARGETS
// (backend,nginx,caddy,haproxy,shoal), SHOAL_BENCH_PERF (non-empty:
// sample the agent with perf during one more run of each transport and
// print where its time goes), SHOAL_BENCH_STATE (see recordState).
func BenchmarkIngressPeers(b *testing.B) {
	rounds := envInt(b, "SHOAL_BENCH_ROUNDS", 3)
	backends := envInt(b, "SHOAL_BENCH_BACKENDS", 2)
	rules := envInt(b, "SHOAL_BENCH_RULES", 1000)
	if rules%10 != 0 {
		b.Fatalf("SHOAL_BENCH_RULES=%d: want a multiple of 10 (ten rules to an Ingress)", rules)
	}
	load := wrkLoad{
		threads: envInt(b, "SHOAL_BENCH_THREADS", 2),
		conns:   envInt(b, "SHOAL_BENCH_CONNS", 64),
		dur:     envDuration(b, "SHOAL_BENCH_DUR", "10s"),
		warm:    envDuration(b, "SHOAL_BENCH_WARM", "2s"),
	}
	targets := strings.Split(envOr("SHOAL_BENCH_TARGETS", "backend,nginx,caddy,haproxy,shoal"), ",")
	for _, t := range targets {
		if t != "backend" && t != "shoal" && peerPorts[t] == [2]int{} {
			b.Fatalf("SHOAL_BENCH_TARGETS: unknown target %q (want backend, nginx, caddy, haproxy or shoal)", t)
		}
	}
	for _, tool := range []string{"wrk", "curl", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s missing (bench/ingress.sh installs it)", tool)
		}
	}

	c := serviceCluster(b, "n1")
	recordState(b, c)
	a := c.Agents[0]
	load.netnsPath = "/run/netns/" + a.NetNS()
	dir := b.TempDir()
	load.hostsFile = filepath.Join(dir, "hosts")
	hosts := "127.0.0.1 localhost\n127.0.0.1 " + ingressBenchHost + "\n"
	for i := range rules / 10 {
		hosts += fmt.Sprintf("127.0.0.1 fill-%d.%s\n", i, ingressBenchHost)
	}
	if err := os.WriteFile(load.hostsFile, []byte(hosts), 0o644); err != nil {
		b.Fatal(err)
	}

	applyTB(b, a, []byte(fmt.Sprintf(ingressBackendYAML, backends)))
	pods := waitReadyPods(b, a, "web", backends)
	var podAddrs []string
	for _, p := range pods {
		podAddrs = append(podAddrs, net.JoinHostPort(p.Status.PodIP, "8080"))
	}
	slices.Sort(podAddrs)
	var mem []memRow
	mem = append(mem, agentMem(b, c, a, "backend, no Ingress", 0))

	cert, key, err := benchCert(ingressBenchHost)
	if err != nil {
		b.Fatal(err)
	}
	applyTB(b, a, []byte(fmt.Sprintf(ingressBenchYAML, cert, key, ingressBenchHost)))
	shoalHTTP, shoalHTTPS := benchURL("http", 80), benchURL("https", 443)
	if slices.Contains(targets, "shoal") {
		waitStatus(b, load.netnsPath, shoalHTTP, "200", 60*time.Second)
		waitStatus(b, load.netnsPath, shoalHTTPS, "200", 60*time.Second)
		start := time.Now()
		applyTB(b, a, fillIngresses(0, rules/10))
		last := fmt.Sprintf("http://fill-%d.%s%s", rules/10-1, ingressBenchHost, ingressBenchPath)
		waitStatus(b, load.netnsPath, last, "200", 120*time.Second)
		mem = append(mem, agentMem(b, c, a, fmt.Sprintf("+ 1 + %d rules (%d Ingresses)", rules, rules/10+1), time.Since(start)))
	}

	peers := map[string]*peerProc{}
	cmds, err := writePeerConfigs(peerConfig{dir: dir, backends: podAddrs, cert: cert, key: key, workers: numWorkers()})
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range peerNames {
		if !slices.Contains(targets, name) {
			continue
		}
		peers[name] = startInNetNS(b, load.netnsPath, name, filepath.Join(dir, name+".log"), cmds[name])
		waitPeer(b, load.netnsPath, peers[name])
	}

	// url and the processes charged, per transport and target.
	type target struct {
		url  string
		pids func() []int
	}
	plan := map[string]map[string]target{"http": {}, "https": {}}
	for _, t := range targets {
		switch t {
		case "backend":
			plan["http"][t] = target{url: "http://" + podAddrs[0] + ingressBenchPath}
		case "shoal":
			agentPIDs := func() []int { return []int{a.PID()} }
			plan["http"][t] = target{shoalHTTP, agentPIDs}
			plan["https"][t] = target{shoalHTTPS, agentPIDs}
		default:
			ports := peerPorts[t]
			plan["http"][t] = target{benchURL("http", ports[0]), peers[t].pids}
			plan["https"][t] = target{benchURL("https", ports[1]), peers[t].pids}
		}
	}
	results := map[string]map[string][]loadResult{"http": {}, "https": {}}
	for r := range rounds {
		// Each round starts one target further, so none is always
		// measured first (or right after the same neighbour).
		order := append(slices.Clone(targets[r%len(targets):]), targets[:r%len(targets)]...)
		for _, tr := range []string{"http", "https"} {
			for _, t := range order {
				tg, ok := plan[tr][t]
				if !ok {
					continue
				}
				b.Logf("round %d/%d: %s %s", r+1, rounds, tr, t)
				results[tr][t] = append(results[tr][t], load.run(b, tg.url, tg.pids))
			}
		}
	}
	mem = append(mem, agentMem(b, c, a, "after the load runs", 0))
	peerMem := map[string]int64{}
	for name, p := range peers {
		peerMem[name] = rssKiB(p.pids())
	}

	var profiles []string
	if os.Getenv("SHOAL_BENCH_PERF") != "" {
		var sb strings.Builder
		fmt.Fprintf(&sb, "\nSystem calls and context switches per request of each proxy (perf stat during one more %s run of each):\n", load.dur)
		fmt.Fprintf(&sb, "%-6s %-8s %9s %12s %14s  %s\n", "proto", "target", "req/s", "syscalls/rq", "ctx-switch/rq", "by call")
		for _, tr := range []string{"http", "https"} {
			for _, t := range targets {
				if tg, ok := plan[tr][t]; ok && tg.pids != nil {
					pc := perfStat(b, load, tg.pids(), tg.url)
					fmt.Fprintf(&sb, "%-6s %-8s %9.0f %12.2f %14.2f  %s\n", tr, t, pc.rps, pc.syscalls, pc.switches, pc.detail)
				}
			}
		}
		profiles = append(profiles, sb.String())
		if slices.Contains(targets, "shoal") {
			for _, tr := range []string{"http", "https"} {
				profiles = append(profiles, perfAgent(b, load, a.PID(), plan[tr]["shoal"].url, filepath.Join(dir, "perf-"+tr+".data")))
			}
		}
	}

	printIngressTable(load, rounds, backends, targets, results, peerMem, a)
	printMemTable(mem)
	for _, p := range profiles {
		fmt.Print(p)
	}
}

// waitStatus waits until url answers want from the namespace.
func waitStatus(tb testing.TB, netnsPath, url, want string, timeout time.Duration) {
	tb.Helper()
	testcluster.Eventually(tb, timeout, func() error {
		code, err := statusIn(netnsPath, url)
		if code != want {
			return fmt.Errorf("GET %s: status %q (%v), want %s", url, code, err, want)
		}
		return nil
	})
}

// memRow is the agent's memory at one point of the benchmark.
type memRow struct {
	state     string
	rss, heap int64 // bytes; heap -1 when /metrics has none
	took      time.Duration
}

// agentMem reads the agent's VmRSS after a 3 s settle, and the least Go
// heap in use seen on its /metrics over those 3 s (sampled every 100 ms:
// the least is close to the live heap after a collection, where one
// sample lands anywhere in the garbage collector's cycle).
func agentMem(tb testing.TB, c *testcluster.Cluster, a *testcluster.Agent, state string, took time.Duration) memRow {
	tb.Helper()
	heap := int64(-1)
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if h := heapInUse(c, a); h >= 0 && (heap < 0 || h < heap) {
			heap = h
		}
	}
	rss, err := a.RSS()
	if err != nil {
		tb.Fatalf("agent RSS: %v", err)
	}
	return memRow{state: state, rss: rss, heap: heap, took: took}
}

// heapInUse is go_memstats_heap_inuse_bytes from the agent's /metrics,
// -1 when it cannot be read.
func heapInUse(c *testcluster.Cluster, a *testcluster.Agent) int64 {
	body, err := scrapeMetrics(c, a)
	if err != nil {
		return -1
	}
	if !strings.Contains(body, "go_memstats_heap_inuse_bytes ") {
		return -1
	}
	return int64(counterSum(body, "go_memstats_heap_inuse_bytes"))
}

// perfAgent samples the agent with `perf record -g` during one more wrk
// run against url and returns where its time went: the top Go functions
// by inclusive time and the top symbols by self time.
func perfAgent(tb testing.TB, load wrkLoad, pid int, url, data string) string {
	tb.Helper()
	if _, err := exec.LookPath("perf"); err != nil {
		return "(no perf: install linux-perf for SHOAL_BENCH_PERF)\n"
	}
	secs := max(int(load.dur.Seconds())-1, 1)
	perf := exec.Command("perf", "record", "-q", "-F", "999", "-g", "-p", strconv.Itoa(pid), "-o", data, "--", "sleep", strconv.Itoa(secs))
	l := load
	l.warm = 0
	if err := perf.Start(); err != nil {
		tb.Fatalf("perf record: %v", err)
	}
	l.run(tb, url, nil)
	if err := perf.Wait(); err != nil {
		tb.Logf("perf record: %v", err)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nperf record -g of the agent during a %s run of %s:\n", load.dur, url)
	children, _ := exec.Command("perf", "report", "-i", data, "--children", "--sort", "symbol", "--stdio", "-g", "none").Output()
	sb.WriteString("  where the time goes (inclusive share of the agent's samples):\n")
	sb.WriteString(perfShares(string(children)))
	sb.WriteString("  top 30 by inclusive time (children, self, symbol):\n")
	sb.WriteString(topLines(string(children), 30))
	self, _ := exec.Command("perf", "report", "-i", data, "--no-children", "--sort", "dso,symbol", "--stdio", "-g", "none").Output()
	sb.WriteString("  top 25 by self time, kernel included:\n")
	sb.WriteString(topLines(string(self), 25))
	return sb.String()
}

// perfStat counts the system calls and context switches of pids during
// one more wrk run against url and returns its requests/s and both per
// request, the system calls also one by one.
func perfStat(tb testing.TB, load wrkLoad, pids []int, url string) perfCounts {
	tb.Helper()
	if _, err := exec.LookPath("perf"); err != nil {
		return perfCounts{}
	}
	secs := max(int(load.dur.Seconds())-1, 1)
	ps := make([]string, len(pids))
	for i, p := range pids {
		ps[i] = strconv.Itoa(p)
	}
	args := []string{"stat", "-x", ",", "-e", "raw_syscalls:sys_enter,context-switches"}
	for _, sc := range perfSyscalls {
		args = append(args, "-e", "syscalls:sys_enter_"+sc)
	}
	// Reads that found nothing to read (EAGAIN), by either call.
	args = append(args, "-e", "syscalls:sys_exit_read", "--filter", "ret == -11",
		"-e", "syscalls:sys_exit_recvfrom", "--filter", "ret == -11")
	stat := exec.Command("perf", append(args, "-p", strings.Join(ps, ","), "--", "sleep", strconv.Itoa(secs))...)
	var out strings.Builder
	stat.Stderr = &out
	if err := stat.Start(); err != nil {
		tb.Fatalf("perf stat: %v", err)
	}
	l := load
	l.warm = 0
	r := l.run(tb, url, nil)
	if err := stat.Wait(); err != nil {
		tb.Logf("perf stat: %v: %s", err, out.String())
		return perfCounts{rps: r.rps}
	}
	counts := map[string]float64{}
	for _, line := range strings.Split(out.String(), "\n") {
		f := strings.Split(line, ",")
		if len(f) > 2 {
			counts[f[2]], _ = strconv.ParseFloat(f[0], 64)
		}
	}
	reqs := r.rps * float64(secs)
	if reqs == 0 {
		return perfCounts{rps: r.rps}
	}
	pc := perfCounts{rps: r.rps, syscalls: counts["raw_syscalls:sys_enter"] / reqs, switches: counts["context-switches"] / reqs}
	var parts []string
	for _, sc := range perfSyscalls {
		if v := counts["syscalls:sys_enter_"+sc] / reqs; v >= 0.01 {
			parts = append(parts, fmt.Sprintf("%s %.2f", sc, v))
		}
	}
	eagain := (counts["syscalls:sys_exit_read"] + counts["syscalls:sys_exit_recvfrom"]) / reqs
	pc.detail = strings.Join(parts, ", ") + fmt.Sprintf("; EAGAIN reads %.2f", eagain)
	return pc
}

// perfSyscalls are the system calls perfStat counts one by one.
var perfSyscalls = []string{"read", "recvfrom", "recvmsg", "readv", "write", "sendto", "sendmsg", "writev",
	"epoll_wait", "epoll_pwait", "futex", "nanosleep", "sched_yield", "tgkill", "accept4", "connect", "close"}

// perfCounts is what perfStat measured, per request.
type perfCounts struct {
	rps, syscalls, switches float64
	detail                  string // per system call
}

// perfGroups are the functions whose inclusive share perfAgent prints,
// with what each stands for.
var perfGroups = []struct{ symbol, what string }{
	{"syscall.Syscall", "system calls (reads and writes on both connections, kernel TCP included)"},
	{"syscall.RawSyscall6", "raw system calls (epoll and others)"},
	{"runtime.netpoll", "the network poller"},
	{"runtime.schedule", "the goroutine scheduler"},
	{"runtime.futex", "thread sleeps and wake-ups (futex)"},
	{"runtime.gcBgMarkWorker", "garbage collection, background marking"},
	{"runtime.mallocgc", "allocation"},
	{"net/http.(*conn).serve", "the client connection: read request, handler, write response"},
	{"net/http.(*conn).readRequest", "reading and parsing the client's request"},
	{"github.com/shoal-dev/shoal/netsvc/ingress.(*Proxy).ServeHTTP", "the proxy's handler (routing, balancing, ReverseProxy)"},
	{"net/http/httputil.(*ReverseProxy).ServeHTTP", "httputil.ReverseProxy"},
	{"net/http.(*Transport).roundTrip", "the backend round trip, caller's side"},
	{"net/http.(*persistConn).readLoop", "the backend connection's reader goroutine"},
	{"net/http.(*persistConn).writeLoop", "the backend connection's writer goroutine"},
	{"net/http.(*response).finishRequest", "flushing the response to the client"},
	{"crypto/tls.(*Conn).Write", "TLS: encrypt and write"},
	{"crypto/tls.(*Conn).Read", "TLS: read and decrypt"},
}

// perfShares picks perfGroups' inclusive shares out of a --children
// perf report.
func perfShares(report string) string {
	share := map[string]string{}
	for _, line := range strings.Split(report, "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 && strings.HasSuffix(f[0], "%") {
			sym := strings.Join(f[3:], " ")
			sym = strings.TrimSpace(perfTail.ReplaceAllString(sym, ""))
			if _, seen := share[sym]; !seen {
				share[sym] = f[0]
			}
		}
	}
	var sb strings.Builder
	for _, g := range perfGroups {
		v, ok := share[g.symbol]
		if !ok {
			v = "-"
		}
		fmt.Fprintf(&sb, "    %7s  %-62s %s\n", v, g.symbol, g.what)
	}
	return sb.String()
}

// perfTail is perf report's empty trailing columns.
var perfTail = regexp.MustCompile(`(\s+-)+\s*$`)

// topLines is the first n sample lines (those with a percentage) of a
// perf report.
func topLines(report string, n int) string {
	var sb strings.Builder
	for _, line := range strings.Split(report, "\n") {
		if n == 0 {
			break
		}
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") || !strings.Contains(t, "%") {
			continue
		}
		sb.WriteString("    " + perfTail.ReplaceAllString(t, "") + "\n")
		n--
	}
	return sb.String()
}

func envDuration(tb testing.TB, name, def string) time.Duration {
	tb.Helper()
	d, err := time.ParseDuration(envOr(name, def))
	if err != nil || d <= 0 {
		tb.Fatalf("%s=%q: want a positive duration such as 10s", name, os.Getenv(name))
	}
	return d
}

// printIngressTable prints the load results: medians over the rounds,
// the spread of requests/s, ratios to nginx.
func printIngressTable(load wrkLoad, rounds, backends int, targets []string, results map[string]map[string][]loadResult, peerMem map[string]int64, a *testcluster.Agent) {
	rssAgent, _ := a.RSS()
	fmt.Printf("\nIngress benchmark: one agent in a network namespace, %d test-server pods on it as the backend (GET %s, Host %s);\n", backends, ingressBenchPath, ingressBenchHost)
	fmt.Printf("nginx, caddy and haproxy in the agent's namespace proxy to the same pod IPs; wrk -t%d -c%d -d%s --latency after a %s warm-up, there too;\n", load.threads, load.conns, load.dur, load.warm)
	fmt.Printf("median of %d rounds (targets in turn); req/s spread is min-max over the rounds; CPU is the proxy's process tree per request (shoal: the agent); %d cores, load average %s\n",
		rounds, numWorkers(), loadAvg())
	fmt.Printf("%-6s %-8s %9s %15s %8s %8s %8s %7s %9s %8s %10s %10s\n",
		"proto", "target", "req/s", "spread", "p50-ms", "p99-ms", "max-ms", "errors", "CPU-µs/rq", "RSS-MiB", "rps/nginx", "p99/nginx")
	for _, tr := range []string{"http", "https"} {
		med := map[string]loadResult{}
		for _, t := range targets {
			if rs := results[tr][t]; len(rs) > 0 {
				med[t] = medianLoad(rs)
			}
		}
		for _, t := range targets {
			rs := results[tr][t]
			if len(rs) == 0 {
				continue
			}
			m := med[t]
			lo, hi := rs[0].rps, rs[0].rps
			for _, r := range rs {
				lo, hi = min(lo, r.rps), max(hi, r.rps)
			}
			rss := "-"
			if kib, ok := peerMem[t]; ok {
				rss = fmt.Sprintf("%.1f", float64(kib)/1024)
			} else if t == "shoal" {
				rss = fmt.Sprintf("%.1f", float64(rssAgent)/(1<<20))
			}
			cpu := "-"
			if m.cpuPerReq > 0 {
				cpu = fmt.Sprintf("%.1f", float64(m.cpuPerReq)/float64(time.Microsecond))
			}
			rr, pr := "n/a", "n/a"
			if n, ok := med["nginx"]; ok && n.rps > 0 && n.p99 > 0 {
				rr = fmt.Sprintf("%.2f", m.rps/n.rps)
				pr = fmt.Sprintf("%.2f", float64(m.p99)/float64(n.p99))
			}
			fmt.Printf("%-6s %-8s %9.0f %15s %8.3f %8.3f %8.3f %7d %9s %8s %10s %10s\n",
				tr, t, m.rps, fmt.Sprintf("%.0f-%.0f", lo, hi), msF(m.p50), msF(m.p99), msF(m.max), m.errors, cpu, rss, rr, pr)
		}
	}
	fmt.Println("(RSS: peers after the runs, summed over their processes; shoal: the agent's, which holds the whole agent, not only its proxy)")
}

func printMemTable(rows []memRow) {
	fmt.Printf("\nThe agent's memory (VmRSS 3 s after each step; Go heap in use: the least of 30 samples over those 3 s):\n%-34s %9s %10s %12s\n", "state", "RSS-MiB", "heap-MiB", "served-after")
	for _, r := range rows {
		heap, took := "-", "-"
		if r.heap >= 0 {
			heap = fmt.Sprintf("%.1f", float64(r.heap)/(1<<20))
		}
		if r.took > 0 {
			took = r.took.Round(time.Millisecond).String()
		}
		fmt.Printf("%-34s %9.1f %10s %12s\n", r.state, float64(r.rss)/(1<<20), heap, took)
	}
	fmt.Println("(served-after: from the apply of the Ingresses to the last of them answering through the proxy)")
}

// medianLoad is the median of each measure over the runs; errors are
// summed.
func medianLoad(rs []loadResult) loadResult {
	pick := func(f func(loadResult) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	var errs int64
	for _, r := range rs {
		errs += r.errors
	}
	return loadResult{
		rps:       pick(func(r loadResult) float64 { return r.rps }),
		p50:       time.Duration(pick(func(r loadResult) float64 { return float64(r.p50) })),
		p99:       time.Duration(pick(func(r loadResult) float64 { return float64(r.p99) })),
		max:       time.Duration(pick(func(r loadResult) float64 { return float64(r.max) })),
		cpuPerReq: time.Duration(pick(func(r loadResult) float64 { return float64(r.cpuPerReq) })),
		errors:    errs,
	}
}

func msF(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
