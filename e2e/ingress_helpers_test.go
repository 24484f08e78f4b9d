package e2e

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/websocket"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// echoed is the test server's JSON answer to a request through the
// ingress: who answered, and the request as it arrived there.
type echoed struct {
	Hostname string `json:"hostname"`
	PodIP    string `json:"podIP"`
	Request  struct {
		Method     string      `json:"method"`
		Host       string      `json:"host"`
		Path       string      `json:"path"`
		Query      string      `json:"query"`
		RemoteAddr string      `json:"remoteAddr"`
		Headers    http.Header `json:"headers"`
	} `json:"request"`
}

// ingressClient is an HTTP client from the test host with keep-alive
// connections, no proxy from the environment, and redirects not
// followed.
func ingressClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:   timeout,
		Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// ingressDo sends GET path with Host host to the ingress at nodeIP:80
// and returns the response status and body.
func ingressDo(cl *http.Client, nodeIP, host, path string, header http.Header) (*http.Response, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, "http://"+nodeIP+path, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Host = host
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := cl.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = res.Body.Close() }()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return res, nil, fmt.Errorf("read body: %w", err)
	}
	return res, body, nil
}

// ingressGet is ingressDo for a request a backend must answer: an error
// unless the status is 200 with the test server's JSON.
func ingressGet(cl *http.Client, nodeIP, host, path string, header http.Header) (echoed, error) {
	var e echoed
	res, body, err := ingressDo(cl, nodeIP, host, path, header)
	if err != nil {
		return e, fmt.Errorf("GET http://%s%s (Host %s): %w", nodeIP, path, host, err)
	}
	if res.StatusCode != http.StatusOK {
		return e, fmt.Errorf("GET http://%s%s (Host %s): %s: %.200s", nodeIP, path, host, res.Status, body)
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Hostname == "" {
		return e, fmt.Errorf("GET http://%s%s (Host %s): answer %.200q is not the test server's JSON: %v", nodeIP, path, host, body, err)
	}
	return e, nil
}

// loadThrough is one request of a load run: GET path with Host host
// through the ingress at nodeIP, an answer with the pod that gave it.
func loadThrough(cl *http.Client, nodeIP, host, path string) func() answer {
	return func() answer {
		start := time.Now()
		e, err := ingressGet(cl, nodeIP, host, path, nil)
		return answer{Hostname: e.Hostname, Remote: e.Request.RemoteAddr, Err: err, Took: time.Since(start)}
	}
}

// selfSigned makes a self-signed ECDSA certificate for host, valid for a
// day, and returns it, its PEM and its key's PEM.
func selfSigned(t *testing.T, host string) (*x509.Certificate, []byte, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: host},
		DNSNames:              []string{host},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
}

// tlsSecret is a kubernetes.io/tls Secret manifest (JSON, which apply
// reads as YAML).
func tlsSecret(t *testing.T, name string, certPEM, keyPEM []byte) []byte {
	t.Helper()
	b, err := json.Marshal(api.Secret{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: api.ObjectMeta{Name: name},
		Type:       api.SecretTypeTLS,
		Data:       map[string][]byte{api.TLSCertKey: certPEM, api.TLSPrivateKeyKey: keyPEM},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// servedCert dials nodeIP:443 with SNI serverName ("" sends none) and
// returns the certificate the ingress presents, unverified.
func servedCert(nodeIP, serverName string) (*x509.Certificate, error) {
	d := &net.Dialer{Timeout: 5 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", net.JoinHostPort(nodeIP, "443"), &tls.Config{
		ServerName:         serverName,
		InsecureSkipVerify: true, // the test inspects the certificate itself
	})
	if err != nil {
		return nil, fmt.Errorf("TLS to %s:443 with SNI %q: %w", nodeIP, serverName, err)
	}
	defer func() { _ = conn.Close() }()
	certs := conn.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return nil, fmt.Errorf("TLS to %s:443 with SNI %q: no certificate", nodeIP, serverName)
	}
	return certs[0], nil
}

// wsEcho opens a WebSocket to ws://host/ws over conn (plain or TLS, to
// an ingress), sends each message and checks it comes back.
func wsEcho(conn net.Conn, scheme, host string, msgs ...string) error {
	defer func() { _ = conn.Close() }()
	cfg, err := websocket.NewConfig(scheme+"://"+host+"/ws", "http://"+host+"/")
	if err != nil {
		return err
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	ws, err := websocket.NewClient(cfg, conn)
	if err != nil {
		return fmt.Errorf("WebSocket handshake for %s://%s/ws: %w", scheme, host, err)
	}
	for _, m := range msgs {
		if err := websocket.Message.Send(ws, m); err != nil {
			return fmt.Errorf("send %d bytes: %w", len(m), err)
		}
		var got string
		if err := websocket.Message.Receive(ws, &got); err != nil {
			return fmt.Errorf("receive the echo of %d bytes: %w", len(m), err)
		}
		if got != m {
			return fmt.Errorf("echo of %.30q (%d bytes): got %.30q (%d bytes)", m, len(m), got, len(got))
		}
	}
	return ws.Close()
}

// sseEvent is one server-sent event from the test server's /events, and
// when the test read it.
type sseEvent struct {
	Seq          int    `json:"seq"`
	Hostname     string `json:"hostname"`
	SentUnixNano int64  `json:"sentUnixNano"`
	arrived      time.Time
}

// sent is when the server wrote the event (same machine, same clock).
func (e sseEvent) sent() time.Time { return time.Unix(0, e.SentUnixNano) }

// readSSE GETs /events?n=N&every=D through the ingress at nodeIP and
// returns the events with their arrival times, as they come.
func readSSE(cl *http.Client, nodeIP, host string, n int, every time.Duration) ([]sseEvent, error) {
	req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("http://%s/events?n=%d&every=%s", nodeIP, n, every), nil)
	if err != nil {
		return nil, err
	}
	req.Host = host
	req.Header.Set("Accept", "text/event-stream")
	res, err := cl.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = res.Body.Close() }()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		body, _ := io.ReadAll(res.Body)
		return nil, fmt.Errorf("%s, Content-Type %q: %.200s; want 200 text/event-stream", res.Status, res.Header.Get("Content-Type"), body)
	}
	var out []sseEvent
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		e := sseEvent{arrived: time.Now()}
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			return out, fmt.Errorf("event data %q: %w", data, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// serverPIDs are the host PIDs of the test servers (processes named
// testserver) in pod p's network namespace.
func serverPIDs(t *testing.T, c *testcluster.Cluster, p *api.Pod) []int {
	t.Helper()
	var want syscall.Stat_t
	if err := syscall.Stat(podNetNS(t, c, p), &want); err != nil {
		t.Fatalf("network namespace of pod %s: %v", p.Name, err)
	}
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if strings.TrimSpace(string(comm)) != "testserver" {
			continue
		}
		var st syscall.Stat_t
		if syscall.Stat(filepath.Join("/proc", e.Name(), "ns", "net"), &st) == nil && st.Ino == want.Ino && st.Dev == want.Dev {
			pids = append(pids, pid)
		}
	}
	return pids
}

// counterSum adds up every series of counter name in a /metrics text.
func counterSum(metrics, name string) float64 {
	var sum float64
	for _, line := range strings.Split(metrics, "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || (rest != "" && rest[0] != '{' && rest[0] != ' ') {
			continue
		}
		f := strings.Fields(rest[strings.LastIndex(rest, "}")+1:])
		if len(f) == 0 {
			continue
		}
		if v, err := strconv.ParseFloat(f[0], 64); err == nil {
			sum += v
		}
	}
	return sum
}

// ingressMetric is counter name summed over agent a's series, -1 when it
// cannot be read.
func ingressMetric(c *testcluster.Cluster, a *testcluster.Agent, name string) float64 {
	body, err := scrapeMetrics(c, a)
	if err != nil {
		return -1
	}
	return counterSum(body, name)
}
