// Command testserver is the HTTP server inside Shoal's test image
// (internal/testimage.TestServer). It uses only the standard library so
// testimage can build it from this one embedded file anywhere a Go
// toolchain exists.
//
// It listens on $PORT (default 8080) and serves:
//
//	/              JSON: hostname, pod IP ($POD_IP, else the first
//	               non-loopback address), all IPs, environment, the request
//	/healthz       200, or 500 while /tmp/unhealthy exists
//	/readyz        200, or 500 while /tmp/unready exists
//	/ready/on      removes /tmp/unready;   /ready/off creates it
//	/healthy/on    removes /tmp/unhealthy; /healthy/off creates it
//	/env           JSON: environment
//	/exit?code=N   answers, then exits with status N
//	/alloc?mb=N    allocates, touches and keeps N MiB (for OOM tests)
//
// With $UDP_PORT set it also answers every UDP datagram on that port with
// one JSON line: hostname, pod IP and the client address it saw.
//
// SIGTERM and SIGINT shut it down gracefully with status 0; with
// $SHUTDOWN_DELAY set (a Go duration such as "2s") it keeps serving that
// long first, as a server behind a load balancer does while the balancer
// learns that it is going away.
//
// With arguments it is a client instead, for tests that exec into a pod
// (the image has no other resolver: Debian's static busybox wget crashes
// on any name lookup). Both use Go's own resolver, which follows the
// pod's /etc/resolv.conf (nameserver, search, ndots) and /etc/hosts:
//
//	testserver get URL      GET URL; prints the body; status 1 with the
//	                        error, or the status and body, on failure
//	testserver lookup NAME  prints NAME's addresses one a line; status 1
//	                        with the error ("no such host" for NXDOMAIN)
//
// Each gives up after 10 seconds; anything else prints the usage and
// exits with status 2.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 {
		os.Exit(client(os.Args[1:], os.Stdout, os.Stderr))
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", handleInfo)
	mux.HandleFunc("/healthz", handleFlag("/tmp/unhealthy"))
	mux.HandleFunc("/readyz", handleFlag("/tmp/unready"))
	mux.HandleFunc("/ready/{state}", handleToggle("/tmp/unready"))
	mux.HandleFunc("/healthy/{state}", handleToggle("/tmp/unhealthy"))
	mux.HandleFunc("/env", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, environ()) })
	mux.HandleFunc("/exit", handleExit)
	mux.HandleFunc("/alloc", handleAlloc)
	srv := &http.Server{Addr: ":" + port, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	delay, err := shutdownDelay(os.Getenv("SHUTDOWN_DELAY"))
	if err != nil {
		log.Fatal(err)
	}
	var udp net.PacketConn
	if p := os.Getenv("UDP_PORT"); p != "" {
		if udp, err = net.ListenPacket("udp", ":"+p); err != nil {
			log.Fatal(err)
		}
		log.Printf("testserver answering UDP on :%s", p)
		go serveUDP(udp)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		if delay > 0 {
			log.Printf("shutting down in %s", delay)
			time.Sleep(delay)
		}
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
		if udp != nil {
			_ = udp.Close()
		}
	}()
	log.Printf("testserver listening on :%s", port)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	log.Print("testserver stopped")
}

// shutdownDelay parses $SHUTDOWN_DELAY: empty is none.
func shutdownDelay(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("SHUTDOWN_DELAY %q: want a duration such as 2s", s)
	}
	return d, nil
}

// udpReply is the JSON line a UDP datagram gets back.
type udpReply struct {
	Hostname   string `json:"hostname"`
	PodIP      string `json:"podIP"`
	RemoteAddr string `json:"remoteAddr"`
}

// serveUDP answers every datagram on pc with a udpReply until pc is
// closed.
func serveUDP(pc net.PacketConn) {
	host, _ := os.Hostname()
	podIP := os.Getenv("POD_IP")
	buf := make([]byte, 2048)
	for {
		_, from, err := pc.ReadFrom(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				log.Printf("udp: %v", err)
			}
			return
		}
		b, _ := json.Marshal(udpReply{Hostname: host, PodIP: podIP, RemoteAddr: from.String()})
		if _, err := pc.WriteTo(append(b, '\n'), from); err != nil {
			log.Printf("udp reply to %s: %v", from, err)
		}
	}
}

type info struct {
	Hostname string            `json:"hostname"`
	PodIP    string            `json:"podIP"`
	IPs      []string          `json:"ips"`
	Env      map[string]string `json:"env"`
	Request  request           `json:"request"`
}

type request struct {
	Method     string `json:"method"`
	Host       string `json:"host"`
	Path       string `json:"path"`
	RemoteAddr string `json:"remoteAddr"`
}

func handleInfo(w http.ResponseWriter, r *http.Request) {
	host, _ := os.Hostname()
	ips := addrs()
	podIP := os.Getenv("POD_IP")
	if podIP == "" && len(ips) > 0 {
		podIP = ips[0]
	}
	writeJSON(w, info{
		Hostname: host,
		PodIP:    podIP,
		IPs:      ips,
		Env:      environ(),
		Request:  request{Method: r.Method, Host: r.Host, Path: r.URL.Path, RemoteAddr: r.RemoteAddr},
	})
}

// addrs lists the IPs on non-loopback interfaces: the pod's IPs.
func addrs() []string {
	ips := []string{}
	ifaces, err := net.Interfaces()
	if err != nil {
		return ips
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		as, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range as {
			if n, ok := a.(*net.IPNet); ok && !n.IP.IsLinkLocalUnicast() {
				ips = append(ips, n.IP.String())
			}
		}
	}
	return ips
}

func environ() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return env
}

// handleFlag answers 200 unless the file flag exists.
func handleFlag(flag string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if _, err := os.Stat(flag); err == nil {
			http.Error(w, flag+" exists", http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "ok")
	}
}

// handleToggle turns the condition behind flag on (removes the file) or
// off (creates it).
func handleToggle(flag string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var err error
		switch r.PathValue("state") {
		case "on":
			err = os.Remove(flag)
			if errors.Is(err, os.ErrNotExist) {
				err = nil
			}
		case "off":
			err = os.WriteFile(flag, nil, 0o644)
		default:
			http.Error(w, "want on or off", http.StatusNotFound)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "ok")
	}
}

// handleExit answers with a complete response, then exits.
func handleExit(w http.ResponseWriter, r *http.Request) {
	code, err := strconv.Atoi(r.URL.Query().Get("code"))
	if err != nil && r.URL.Query().Has("code") {
		http.Error(w, "bad code", http.StatusBadRequest)
		return
	}
	body := fmt.Sprintf("exiting with %d\n", code)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Connection", "close")
	fmt.Fprint(w, body)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	log.Printf("exiting with %d", code)
	os.Exit(code)
}

var (
	hoardMu sync.Mutex
	hoard   [][]byte
)

// handleAlloc allocates N MiB, writes every page so it is resident, and
// keeps it until the process ends.
func handleAlloc(w http.ResponseWriter, r *http.Request) {
	mb, err := strconv.Atoi(r.URL.Query().Get("mb"))
	if err != nil || mb < 0 {
		http.Error(w, "bad mb", http.StatusBadRequest)
		return
	}
	b := make([]byte, mb<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	hoardMu.Lock()
	hoard = append(hoard, b)
	total := 0
	for _, h := range hoard {
		total += len(h) >> 20
	}
	hoardMu.Unlock()
	writeJSON(w, map[string]int{"allocatedMiB": total})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

const usage = "usage: testserver [get URL | lookup NAME]"

// clientTimeout bounds one client command.
const clientTimeout = 10 * time.Second

// client runs the client command args, writes its result to out and its
// error to errOut, and returns the exit status.
func client(args []string, out, errOut io.Writer) int {
	if len(args) != 2 {
		fmt.Fprintln(errOut, usage)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	var err error
	switch args[0] {
	case "get":
		err = get(ctx, args[1], out)
	case "lookup":
		err = lookup(ctx, args[1], out)
	default:
		fmt.Fprintf(errOut, "unknown command %q\n%s\n", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(errOut, "testserver %s %s: %v\n", args[0], args[1], err)
		return 1
	}
	return 0
}

// resolver is Go's own resolver: it reads /etc/resolv.conf itself, so
// the search list and ndots apply as in the pod's configuration.
var resolver = &net.Resolver{PreferGo: true}

// get GETs url over a new connection and copies the body to out.
func get(ctx context.Context, url string, out io.Writer) error {
	tr := &http.Transport{
		DialContext:       (&net.Dialer{Resolver: resolver}).DialContext,
		DisableKeepAlives: true,
		Proxy:             nil,
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = res.Body.Close() }()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s: %s", res.Status, body)
	}
	_, err = out.Write(body)
	return err
}

// lookup resolves name and prints its addresses, one a line.
func lookup(ctx context.Context, name string, out io.Writer) error {
	addrs, err := resolver.LookupHost(ctx, name)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		fmt.Fprintln(out, a)
	}
	return nil
}
