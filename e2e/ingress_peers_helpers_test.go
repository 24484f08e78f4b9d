package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The reverse proxies BenchmarkIngressPeers measures next to the agent's
// ingress. Their configurations follow ../shared/peers/http-peers.sh
// (access logs off, keep-alive to clients and to the backends, round
// robin, Host passed through, X-Forwarded-For/-Proto added, no active
// health checks, one worker process or thread per core), with the
// backend pods' addresses instead of loopback backends, and a TLS
// listener with the same certificate the agent gets in a Secret.

// peerPorts are each peer's plain and TLS ports on 127.0.0.1 inside the
// agent's network namespace.
var peerPorts = map[string][2]int{"nginx": {18101, 18111}, "caddy": {18102, 18112}, "haproxy": {18103, 18113}}

// peerNames is the order peers are measured in.
var peerNames = []string{"nginx", "caddy", "haproxy"}

// peerConfig is what a peer's configuration is made from.
type peerConfig struct {
	dir      string   // the peer's files (configs, certificate, temp paths)
	backends []string // pod IP:port
	cert     string   // PEM certificate chain
	key      string   // PEM private key
	workers  int
}

// benchCert is a self-signed ECDSA P-256 certificate for host, valid for
// a day, as PEM.
func benchCert(host string) (certPEM, keyPEM string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("generate key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: host},
		DNSNames:              []string{host},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", "", fmt.Errorf("create certificate: %w", err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", fmt.Errorf("marshal key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})), nil
}

// writePeerConfigs writes every peer's configuration and the
// certificate files into cfg.dir and returns each peer's command line.
func writePeerConfigs(cfg peerConfig) (map[string][]string, error) {
	// nginx's workers run as nobody and use temp paths under dir.
	if err := os.Chmod(cfg.dir, 0o755); err != nil {
		return nil, fmt.Errorf("peer dir: %w", err)
	}
	files := map[string]string{
		"cert.pem":     cfg.cert,
		"key.pem":      cfg.key,
		"combined.pem": cfg.cert + cfg.key, // haproxy's crt: chain and key in one file
		"nginx.conf":   nginxConf(cfg),
		"Caddyfile":    caddyfile(cfg),
		"haproxy.cfg":  haproxyCfg(cfg),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(cfg.dir, name), []byte(text), 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", name, err)
		}
	}
	if err := os.MkdirAll(filepath.Join(cfg.dir, "nginx"), 0o755); err != nil {
		return nil, fmt.Errorf("nginx dir: %w", err)
	}
	caddyHome := filepath.Join(cfg.dir, "caddy")
	if err := os.MkdirAll(caddyHome, 0o755); err != nil {
		return nil, fmt.Errorf("caddy dir: %w", err)
	}
	return map[string][]string{
		"nginx": {"nginx", "-c", filepath.Join(cfg.dir, "nginx.conf"), "-p", filepath.Join(cfg.dir, "nginx") + "/",
			"-e", filepath.Join(cfg.dir, "nginx", "error.log")},
		"caddy": {"env", "HOME=" + caddyHome, "XDG_DATA_HOME=" + caddyHome, "XDG_CONFIG_HOME=" + caddyHome,
			"caddy", "run", "--config", filepath.Join(cfg.dir, "Caddyfile"), "--adapter", "caddyfile"},
		"haproxy": {"haproxy", "-db", "-f", filepath.Join(cfg.dir, "haproxy.cfg")},
	}, nil
}

func nginxConf(cfg peerConfig) string {
	var servers strings.Builder
	for _, b := range cfg.backends {
		fmt.Fprintf(&servers, "        server %s;\n", b)
	}
	location := `        location / {
            proxy_pass http://backends;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }`
	p := peerPorts["nginx"]
	return fmt.Sprintf(`daemon off;
worker_processes %[1]d;
pid %[2]s/nginx/nginx.pid;
error_log %[2]s/nginx/error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
    keepalive_timeout 65s;
    keepalive_requests 10000;
    client_body_temp_path %[2]s/nginx/body;
    proxy_temp_path %[2]s/nginx/proxy;
    fastcgi_temp_path %[2]s/nginx/fastcgi;
    uwsgi_temp_path %[2]s/nginx/uwsgi;
    scgi_temp_path %[2]s/nginx/scgi;
    upstream backends {
%[3]s        keepalive 64;
        keepalive_requests 10000;
        keepalive_timeout 60s;
    }
    server {
        listen 127.0.0.1:%[4]d reuseport;
%[6]s
    }
    server {
        listen 127.0.0.1:%[5]d ssl reuseport;
        server_name %[7]s;
        ssl_certificate %[2]s/cert.pem;
        ssl_certificate_key %[2]s/key.pem;
%[6]s
    }
}
`, cfg.workers, cfg.dir, servers.String(), p[0], p[1], location, ingressBenchHost)
}

func caddyfile(cfg peerConfig) string {
	upstreams := strings.Join(cfg.backends, " ")
	proxy := fmt.Sprintf(`	reverse_proxy %s {
		lb_policy round_robin
		transport http {
			keepalive 2m
			keepalive_idle_conns_per_host 64
		}
	}`, upstreams)
	p := peerPorts["caddy"]
	return fmt.Sprintf(`{
	admin off
	auto_https off
}
http://:%[1]d {
	bind 127.0.0.1
%[3]s
}
https://%[4]s:%[2]d {
	bind 127.0.0.1
	tls %[5]s/cert.pem %[5]s/key.pem
%[3]s
}
`, p[0], p[1], proxy, ingressBenchHost, cfg.dir)
}

func haproxyCfg(cfg peerConfig) string {
	var servers strings.Builder
	for i, b := range cfg.backends {
		fmt.Fprintf(&servers, "    server b%d %s\n", i+1, b)
	}
	p := peerPorts["haproxy"]
	return fmt.Sprintf(`global
    nbthread %[1]d
    maxconn 4096
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 60s
    option http-keep-alive
    option forwardfor
    http-reuse always
frontend fe
    bind 127.0.0.1:%[2]d
    bind 127.0.0.1:%[3]d ssl crt %[4]s/combined.pem
    http-request set-header X-Forwarded-Proto https if { ssl_fc }
    http-request set-header X-Forwarded-Proto http if !{ ssl_fc }
    default_backend be
backend be
    balance roundrobin
%[5]s`, cfg.workers, p[0], p[1], cfg.dir, servers.String())
}

// peerProc is a peer process started in the agent's network namespace.
type peerProc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed when it exited
}

// startInNetNS starts argv in the network namespace netnsPath with its
// output in logPath and stops it (SIGTERM, then SIGKILL for it and what
// it forked) when the benchmark ends. nsenter execs argv, so the pid is
// the program's.
func startInNetNS(tb testing.TB, netnsPath, name, logPath string, argv []string) *peerProc {
	tb.Helper()
	logf, err := os.Create(logPath)
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command("nsenter", append([]string{"--net=" + netnsPath, "--"}, argv...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		tb.Fatalf("start %s: %v", name, err)
	}
	p := &peerProc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); _ = logf.Close(); close(p.done) }()
	tb.Cleanup(func() {
		kids := treePIDs(cmd.Process.Pid)
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-p.done
		}
		for _, k := range kids[1:] {
			_ = syscall.Kill(k, syscall.SIGKILL)
		}
	})
	return p
}

// pids is the peer's process tree (an nginx master and its workers).
func (p *peerProc) pids() []int { return treePIDs(p.cmd.Process.Pid) }

// treePIDs is pid and its descendants, pid first.
func treePIDs(pid int) []int {
	parent := map[int][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp, ok := procStat(p, 4); ok { // ppid
			parent[int(pp)] = append(parent[int(pp)], p)
		}
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, parent[out[i]]...)
	}
	return out
}

// procStat is field n (1-based, as in proc(5)) of /proc/PID/stat as a
// number.
func procStat(pid, n int) (int64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false
	}
	fields := strings.Fields(string(b[i+1:])) // fields 3…
	if n < 3 || n-3 >= len(fields) {
		return 0, false
	}
	v, err := strconv.ParseInt(fields[n-3], 10, 64)
	return v, err == nil
}

// cpuTicks is the user+system CPU time of pids, in clock ticks.
func cpuTicks(pids []int) int64 {
	var sum int64
	for _, p := range pids {
		u, _ := procStat(p, 14)
		s, _ := procStat(p, 15)
		sum += u + s
	}
	return sum
}

// rssKiB is the summed VmRSS of pids.
func rssKiB(pids []int) int64 {
	var sum int64
	for _, p := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				sum += kb
			}
		}
	}
	return sum
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's CPU times: 100 on
// every Linux architecture Go runs on.
const clockTicks = 100

// loadResult is one wrk run through one proxy.
type loadResult struct {
	rps           float64
	p50, p99, max time.Duration
	requests      int64
	errors        int64 // non-2xx responses and socket errors
	cpuPerReq     time.Duration
}

var (
	wrkP50      = regexp.MustCompile(`\n\s+50%\s+([0-9.]+)(us|ms|s)\b`)
	wrkRequests = regexp.MustCompile(`(\d+) requests in`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// wrkLoad is one wrk configuration: where it runs and how hard it loads.
type wrkLoad struct {
	netnsPath string // the agent's network namespace
	hostsFile string // /etc/hosts for wrk: the benchmark host → 127.0.0.1
	threads   int
	conns     int
	warm, dur time.Duration
}

// run warms url up, then measures it with wrk --latency, and charges the
// CPU time pids used during the measured run to its requests. wrk runs in
// the agent's network namespace and in a mount namespace of its own whose
// /etc/hosts names the benchmark host, so https URLs carry it as SNI.
func (l wrkLoad) run(tb testing.TB, url string, pids func() []int) loadResult {
	tb.Helper()
	wrk := func(d time.Duration, latency bool) string {
		args := []string{"--net=" + l.netnsPath, "--", "unshare", "--mount", "--propagation", "private",
			"sh", "-c", `mount --bind "$0" /etc/hosts && exec "$@"`, l.hostsFile,
			"wrk", "-t" + strconv.Itoa(l.threads), "-c" + strconv.Itoa(l.conns), "-d" + fmt.Sprintf("%.0fs", d.Seconds())}
		if latency {
			args = append(args, "--latency")
		}
		out, err := hostRun(context.Background(), "nsenter", append(args, url)...)
		if err != nil {
			tb.Fatalf("wrk %s: %v\n%s", url, err, out)
		}
		return out
	}
	if l.warm > 0 {
		wrk(l.warm, false)
	}
	var ps []int
	if pids != nil {
		ps = pids()
	}
	cpu0 := cpuTicks(ps)
	out := wrk(l.dur, true)
	cpu := cpuTicks(ps) - cpu0
	r, err := parseWrk(out)
	if err != nil {
		tb.Fatalf("wrk %s: %v in:\n%s", url, err, out)
	}
	if pids != nil && r.requests > 0 {
		r.cpuPerReq = time.Duration(float64(cpu) / clockTicks * float64(time.Second) / float64(r.requests))
	}
	tb.Logf("wrk %s: %.0f req/s p50 %s p99 %s max %s, %d errors, %s CPU/request", url, r.rps, r.p50, r.p99, r.max, r.errors, r.cpuPerReq)
	return r
}

// parseWrk reads wrk --latency's report.
func parseWrk(out string) (loadResult, error) {
	m, p50, p99, n := wrkRPS.FindStringSubmatch(out), wrkP50.FindStringSubmatch(out), wrkP99.FindStringSubmatch(out), wrkRequests.FindStringSubmatch(out)
	if m == nil || p50 == nil || p99 == nil || n == nil {
		return loadResult{}, fmt.Errorf("no Requests/sec, requests, 50%% or 99%% line")
	}
	var r loadResult
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	r.requests, _ = strconv.ParseInt(n[1], 10, 64)
	r.p50, r.p99 = wrkDuration(p50), wrkDuration(p99)
	if mx := wrkMax.FindStringSubmatch(out); mx != nil {
		r.max = wrkDuration(mx)
	}
	if e := wrkNon2xx.FindStringSubmatch(out); e != nil {
		v, _ := strconv.ParseInt(e[1], 10, 64)
		r.errors += v
	}
	if e := wrkSocket.FindStringSubmatch(out); e != nil {
		for _, s := range e[1:] {
			v, _ := strconv.ParseInt(s, 10, 64)
			r.errors += v
		}
	}
	return r, nil
}

// waitPeer waits until the peer answers 200 on its plain and its TLS
// port, or fails with its log when it exited or does not.
func waitPeer(tb testing.TB, netnsPath string, p *peerProc) {
	tb.Helper()
	ports := peerPorts[p.name]
	for _, url := range []string{benchURL("http", ports[0]), benchURL("https", ports[1])} {
		deadline := time.Now().Add(30 * time.Second)
		for {
			code, err := statusIn(netnsPath, url)
			if err == nil && code == "200" {
				break
			}
			exited := false
			select {
			case <-p.done:
				exited = true
			default:
			}
			if exited || time.Now().After(deadline) {
				log, _ := os.ReadFile(p.log)
				tb.Fatalf("%s does not answer 200 on %s (exited: %v; last: %s %v); its log:\n%s", p.name, url, exited, code, err, log)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// benchURL is the benchmark host's URL on port of 127.0.0.1 in the
// agent's namespace (wrk and curl resolve the host there).
func benchURL(scheme string, port int) string {
	return fmt.Sprintf("%s://%s:%d%s", scheme, ingressBenchHost, port, ingressBenchPath)
}

// statusIn is the HTTP status code curl gets for url from the network
// namespace netnsPath, the benchmark host resolving to 127.0.0.1 and
// the certificate not checked (it is self-signed).
func statusIn(netnsPath, url string) (string, error) {
	scheme, rest, _ := strings.Cut(url, "://")
	hostPort, _, _ := strings.Cut(rest, "/")
	if _, _, err := net.SplitHostPort(hostPort); err != nil {
		hostPort = net.JoinHostPort(hostPort, map[string]string{"http": "80", "https": "443"}[scheme])
	}
	out, err := hostRun(context.Background(), "nsenter", "--net="+netnsPath, "--",
		"curl", "-sk", "-o", "/dev/null", "-m", "2", "-w", "%{http_code}",
		"--resolve", hostPort+":127.0.0.1", url)
	return strings.TrimSpace(out), err
}

// numWorkers is the worker processes or threads each peer gets: one per
// core, as in http-peers.sh.
func numWorkers() int { return runtime.NumCPU() }
