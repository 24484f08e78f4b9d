// Command testserver is the HTTP server inside Shoal's test image
// (internal/testimage.TestServer). It uses only the standard library so
// testimage can build it from this one embedded file anywhere a Go
// toolchain exists.
//
// It listens on $PORT (default 8080) and serves:
//
//	/              JSON: hostname, pod IP ($POD_IP, else the first
//	               non-loopback address), all IPs, environment, the request
//	               (method, host, path, query, client address, headers);
//	               every path not listed here answers the same
//	/healthz       200, or 500 while /tmp/unhealthy exists
//	/readyz        200, or 500 while /tmp/unready exists
//	/ready/on      removes /tmp/unready;   /ready/off creates it
//	/healthy/on    removes /tmp/unhealthy; /healthy/off creates it
//	/env           JSON: environment
//	/exit?code=N   answers, then exits with status N
//	/alloc?mb=N    allocates, touches and keeps N MiB (for OOM tests)
//	/ws            WebSocket (RFC 6455): echoes every message back
//	/events?n=3&every=200ms
//	               server-sent events: n events, every apart, each
//	               flushed as it is written; each one's data is JSON
//	               with its number, the hostname and when it was sent
//
// With $UDP_PORT set it also answers every UDP datagram on that port with
// one JSON line: hostname, pod IP and the client address it saw.
//
// It serves the standard gRPC health service (grpc.health.v1.Health/Check,
// over plain-text HTTP/2) on $PORT, and with $GRPC_PORT set on that port
// too, for every service name: SERVING, or NOT_SERVING while
// /tmp/grpc-unhealthy exists; /grpc/on removes the file and /grpc/off
// creates it.
//
// With $SIGTERM_FILE set, a SIGTERM (or SIGINT) appends the line
// "SIGTERM <unix nanoseconds>" to that file before anything else, and
// /mark?text=T appends "T <unix nanoseconds>" to it (for httpGet hooks).
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
// Each gives up after 10 seconds. For lifecycle hooks:
//
//	testserver mark FILE TEXT [DURATION]
//	                        appends "TEXT <unix nanoseconds>" to FILE;
//	                        with DURATION (e.g. 3s), then sleeps that
//	                        long and appends "TEXT-done <unix nanoseconds>"
//
// Anything else prints the usage and exits with status 2.
package main

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
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
	mux.HandleFunc("/", handleInfo)
	mux.HandleFunc("/healthz", handleFlag("/tmp/unhealthy"))
	mux.HandleFunc("/readyz", handleFlag("/tmp/unready"))
	mux.HandleFunc("/ready/{state}", handleToggle("/tmp/unready"))
	mux.HandleFunc("/healthy/{state}", handleToggle("/tmp/unhealthy"))
	mux.HandleFunc("/grpc/{state}", handleToggle(grpcFlag))
	mux.HandleFunc("/mark", handleMark)
	mux.HandleFunc("/env", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, environ()) })
	mux.HandleFunc("/exit", handleExit)
	mux.HandleFunc("/alloc", handleAlloc)
	mux.HandleFunc("/ws", handleWebSocket)
	mux.HandleFunc("/events", handleEvents)
	// The main port answers gRPC health checks too (plain-text HTTP/2
	// next to HTTP/1.1), as a gRPC server probed on its serving port does.
	mux.HandleFunc("/grpc.health.v1.Health/", handleGRPCHealth)
	srv := &http.Server{Addr: ":" + port, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
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

	var grpcSrv *http.Server
	if p := os.Getenv("GRPC_PORT"); p != "" && p != port {
		grpcSrv = newGRPCHealthServer(":" + p)
		l, err := net.Listen("tcp", grpcSrv.Addr)
		if err != nil {
			log.Fatal(err)
		}
		log.Printf("testserver serving grpc health on :%s", p)
		go func() { _ = grpcSrv.Serve(l) }()
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		if f := os.Getenv("SIGTERM_FILE"); f != "" {
			if err := appendLine(f, fmt.Sprintf("SIGTERM %d", time.Now().UnixNano())); err != nil {
				log.Printf("record SIGTERM: %v", err)
			}
		}
		if delay > 0 {
			log.Printf("shutting down in %s", delay)
			time.Sleep(delay)
		}
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
		if grpcSrv != nil {
			_ = grpcSrv.Shutdown(shutdown)
		}
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
	Method     string      `json:"method"`
	Host       string      `json:"host"`
	Path       string      `json:"path"`
	Query      string      `json:"query"`
	RemoteAddr string      `json:"remoteAddr"`
	Headers    http.Header `json:"headers"`
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
		Request: request{
			Method:     r.Method,
			Host:       r.Host,
			Path:       r.URL.EscapedPath(),
			Query:      r.URL.RawQuery,
			RemoteAddr: r.RemoteAddr,
			Headers:    r.Header,
		},
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

// wsGUID is the fixed string RFC 6455 appends to Sec-WebSocket-Key.
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// WebSocket opcodes (RFC 6455 section 5.2).
const (
	wsText  = 0x1
	wsClose = 0x8
	wsPing  = 0x9
	wsPong  = 0xA
)

// wsMaxPayload bounds one frame's payload.
const wsMaxPayload = 1 << 20

// handleWebSocket upgrades to a WebSocket and echoes every data frame
// (text, binary or continuation, FIN bit kept) until the client closes,
// answering pings with pongs.
func handleWebSocket(w http.ResponseWriter, r *http.Request) {
	if !headerHasToken(r.Header, "Connection", "upgrade") || !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		http.Error(w, "want a WebSocket upgrade (Connection: Upgrade, Upgrade: websocket)", http.StatusBadRequest)
		return
	}
	if v := r.Header.Get("Sec-WebSocket-Version"); v != "13" {
		w.Header().Set("Sec-WebSocket-Version", "13")
		http.Error(w, fmt.Sprintf("Sec-WebSocket-Version %q: want 13", v), http.StatusUpgradeRequired)
		return
	}
	key := r.Header.Get("Sec-WebSocket-Key")
	if key == "" {
		http.Error(w, "no Sec-WebSocket-Key", http.StatusBadRequest)
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "upgrade: "+err.Error(), http.StatusInternalServerError)
		return
	}
	defer func() { _ = conn.Close() }()
	fmt.Fprintf(brw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", wsAccept(key))
	if err := brw.Flush(); err != nil {
		return
	}
	for {
		fin, op, payload, err := readFrame(brw.Reader)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				log.Printf("websocket: %v", err)
			}
			return
		}
		switch op {
		case wsPing:
			err = writeFrame(brw.Writer, true, wsPong, payload)
		case wsPong:
		case wsClose:
			_ = writeFrame(brw.Writer, true, wsClose, payload)
			_ = brw.Flush()
			return
		default:
			err = writeFrame(brw.Writer, fin, op, payload)
		}
		if err == nil {
			err = brw.Flush()
		}
		if err != nil {
			return
		}
	}
}

// wsAccept is the Sec-WebSocket-Accept answer to key.
func wsAccept(key string) string {
	h := sha1.Sum([]byte(key + wsGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}

// headerHasToken reports whether a comma-separated header holds token
// (case-insensitive), as "Connection: keep-alive, Upgrade" does.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// readFrame reads one client frame, which must be masked, and returns it
// unmasked.
func readFrame(r *bufio.Reader) (fin bool, op byte, payload []byte, err error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return false, 0, nil, err
	}
	fin, op = h[0]&0x80 != 0, h[0]&0x0f
	if h[1]&0x80 == 0 {
		return false, 0, nil, errors.New("client frame not masked")
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return false, 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return false, 0, nil, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if n > wsMaxPayload {
		return false, 0, nil, fmt.Errorf("frame of %d bytes: over the %d limit", n, wsMaxPayload)
	}
	var mask [4]byte
	if _, err := io.ReadFull(r, mask[:]); err != nil {
		return false, 0, nil, err
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return false, 0, nil, err
	}
	for i := range payload {
		payload[i] ^= mask[i%4]
	}
	return fin, op, payload, nil
}

// writeFrame writes one unmasked server frame.
func writeFrame(w *bufio.Writer, fin bool, op byte, payload []byte) error {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	hdr := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		hdr = append(hdr, byte(n))
	case n <= 0xffff:
		hdr = append(hdr, 126)
		hdr = binary.BigEndian.AppendUint16(hdr, uint16(n))
	default:
		hdr = append(hdr, 127)
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(n))
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}

// event is the data of one server-sent event from /events.
type event struct {
	Seq      int    `json:"seq"`
	Of       int    `json:"of"`
	Hostname string `json:"hostname"`
	// SentUnixNano is the server's clock when it wrote the event.
	SentUnixNano int64 `json:"sentUnixNano"`
}

// eventParams reads /events's n (1 to 1000, default 3) and every (0 to
// 1m, default 200ms).
func eventParams(q url.Values) (n int, every time.Duration, err error) {
	n, every = 3, 200*time.Millisecond
	if s := q.Get("n"); s != "" {
		if n, err = strconv.Atoi(s); err != nil || n < 1 || n > 1000 {
			return 0, 0, fmt.Errorf("n=%q: want a number from 1 to 1000", s)
		}
	}
	if s := q.Get("every"); s != "" {
		if every, err = time.ParseDuration(s); err != nil || every < 0 || every > time.Minute {
			return 0, 0, fmt.Errorf("every=%q: want a duration from 0 to 1m such as 200ms", s)
		}
	}
	return n, every, nil
}

// handleEvents streams n server-sent events, every apart, flushing each.
func handleEvents(w http.ResponseWriter, r *http.Request) {
	n, every, err := eventParams(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	host, _ := os.Hostname()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	rc := http.NewResponseController(w)
	for i := 1; i <= n; i++ {
		if i > 1 {
			select {
			case <-time.After(every):
			case <-r.Context().Done():
				return
			}
		}
		b, _ := json.Marshal(event{Seq: i, Of: n, Hostname: host, SentUnixNano: time.Now().UnixNano()})
		if _, err := fmt.Fprintf(w, "id: %d\ndata: %s\n\n", i, b); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

const usage = "usage: testserver [get URL | lookup NAME | mark FILE TEXT [DURATION]]"

// clientTimeout bounds one client command.
const clientTimeout = 10 * time.Second

// client runs the client command args, writes its result to out and its
// error to errOut, and returns the exit status.
func client(args []string, out, errOut io.Writer) int {
	if len(args) > 0 && args[0] == "mark" {
		return markCommand(args[1:], errOut)
	}
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

// markCommand runs "mark FILE TEXT [DURATION]" and returns the exit
// status.
func markCommand(args []string, errOut io.Writer) int {
	if len(args) < 2 || len(args) > 3 {
		fmt.Fprintln(errOut, usage)
		return 2
	}
	var d time.Duration
	if len(args) == 3 {
		var err error
		if d, err = time.ParseDuration(args[2]); err != nil || d < 0 {
			fmt.Fprintf(errOut, "mark: duration %q: want one such as 3s\n%s\n", args[2], usage)
			return 2
		}
	}
	file, text := args[0], args[1]
	if err := appendLine(file, fmt.Sprintf("%s %d", text, time.Now().UnixNano())); err != nil {
		fmt.Fprintf(errOut, "mark: %v\n", err)
		return 1
	}
	if len(args) < 3 {
		return 0
	}
	time.Sleep(d)
	if err := appendLine(file, fmt.Sprintf("%s-done %d", text, time.Now().UnixNano())); err != nil {
		fmt.Fprintf(errOut, "mark: %v\n", err)
		return 1
	}
	return 0
}

// appendLine appends line and a newline to file, creating it.
func appendLine(file, line string) error {
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(f, line); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// grpcFlag makes the gRPC health service answer NOT_SERVING while it
// exists.
const grpcFlag = "/tmp/grpc-unhealthy"

// Health check statuses of grpc.health.v1.HealthCheckResponse.
const (
	grpcServing    = 1
	grpcNotServing = 2
)

// newGRPCHealthServer is an HTTP/2 server without TLS (gRPC's plain-text
// transport) answering grpc.health.v1.Health/Check: the standard library
// suffices, so the image needs no gRPC module.
func newGRPCHealthServer(addr string) *http.Server {
	srv := &http.Server{Addr: addr, Handler: http.HandlerFunc(handleGRPCHealth), ReadHeaderTimeout: 10 * time.Second}
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetUnencryptedHTTP2(true)
	return srv
}

// handleGRPCHealth answers a unary grpc.health.v1.Health/Check call:
// SERVING for any service unless grpcFlag exists. Other methods get
// gRPC's UNIMPLEMENTED.
func handleGRPCHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc") {
		http.Error(w, "want a gRPC call (POST, application/grpc)", http.StatusUnsupportedMediaType)
		return
	}
	w.Header().Set("Content-Type", "application/grpc")
	w.Header().Set("Trailer", "Grpc-Status, Grpc-Message")
	if r.URL.Path != "/grpc.health.v1.Health/Check" {
		w.WriteHeader(http.StatusOK)
		w.Header().Set("Grpc-Status", "12") // UNIMPLEMENTED
		w.Header().Set("Grpc-Message", "unknown method "+r.URL.Path)
		return
	}
	// The request, one length-prefixed HealthCheckRequest, names the
	// service; every service gets the same answer.
	if _, err := io.Copy(io.Discard, io.LimitReader(r.Body, 1<<16)); err != nil {
		w.WriteHeader(http.StatusOK)
		w.Header().Set("Grpc-Status", "13") // INTERNAL
		w.Header().Set("Grpc-Message", "read request: "+err.Error())
		return
	}
	status := byte(grpcServing)
	if _, err := os.Stat(grpcFlag); err == nil {
		status = grpcNotServing
	}
	// HealthCheckResponse{status: field 1, varint}, length-prefixed and
	// not compressed.
	msg := []byte{0x08, status}
	frame := append([]byte{0, 0, 0, 0, byte(len(msg))}, msg...)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(frame)
	w.Header().Set("Grpc-Status", "0")
	w.Header().Set("Grpc-Message", "")
}

// handleMark appends "TEXT <unix nanoseconds>" to $SIGTERM_FILE.
func handleMark(w http.ResponseWriter, r *http.Request) {
	file, text := os.Getenv("SIGTERM_FILE"), r.URL.Query().Get("text")
	switch {
	case file == "":
		http.Error(w, "no $SIGTERM_FILE to mark", http.StatusNotFound)
		return
	case text == "" || strings.ContainsAny(text, " \n"):
		http.Error(w, "want text=WORD", http.StatusBadRequest)
		return
	}
	if err := appendLine(file, fmt.Sprintf("%s %d", text, time.Now().UnixNano())); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fmt.Fprintln(w, "ok")
}
