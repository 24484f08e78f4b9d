package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// clusterDomain is the agents' default --cluster-domain.
const clusterDomain = "cluster.local"

// svcName is the fully qualified name of service name in namespace
// default, as pods and dig spell it.
func svcName(name string) string { return name + ".default.svc." + clusterDomain }

// dnsQuery asks server (IP:PORT) one question over "udp" or "tcp" with
// the miekg client, from the test host, and returns the reply.
func dnsQuery(server, name string, qtype uint16, network string) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	r, _, err := c.Exchange(m, server)
	if err != nil {
		return nil, fmt.Errorf("%s %s over %s to %s: %w", dns.TypeToString[qtype], name, network, server, err)
	}
	return r, nil
}

// aRecords are the addresses of a reply's A records, sorted.
func aRecords(r *dns.Msg) []string {
	var out []string
	for _, rr := range r.Answer {
		if a, ok := rr.(*dns.A); ok {
			out = append(out, a.A.String())
		}
	}
	slices.Sort(out)
	return out
}

// hasSOA reports whether a reply carries an SOA in its authority section
// (NXDOMAIN and NODATA must).
func hasSOA(r *dns.Msg) bool {
	for _, rr := range r.Ns {
		if _, ok := rr.(*dns.SOA); ok {
			return true
		}
	}
	return false
}

// inPod runs a command in pod p through agent a's API (`shoal exec`) and
// returns its standard output; the error carries its standard error.
func inPod(a *testcluster.Agent, p *api.Pod, args ...string) (string, error) {
	out, errOut, err := a.CLI(append([]string{"exec", p.Name, "--"}, args...)...)
	if err != nil {
		return out, fmt.Errorf("exec %s in pod %s: %v: %s%s", strings.Join(args, " "), p.Name, err, strings.TrimSpace(errOut), strings.TrimSpace(out))
	}
	return out, nil
}

// podGet is `/testserver get url` in pod p (a test server pod): it
// resolves with the pod's resolv.conf and returns the hostname the
// answering test server reports.
func podGet(a *testcluster.Agent, p *api.Pod, url string) (string, error) {
	out, err := inPod(a, p, "/testserver", "get", url)
	if err != nil {
		return "", err
	}
	var h hostLine
	if err := json.Unmarshal([]byte(out), &h); err != nil || h.Hostname == "" {
		return "", fmt.Errorf("get %s from pod %s: answer %q is not the test server's JSON: %v", url, p.Name, out, err)
	}
	return h.Hostname, nil
}

// podLookup is `/testserver lookup name` in pod p: the addresses the
// pod's resolver finds, sorted.
func podLookup(a *testcluster.Agent, p *api.Pod, name string) ([]string, error) {
	out, err := inPod(a, p, "/testserver", "lookup", name)
	if err != nil {
		return nil, err
	}
	addrs := strings.Fields(out)
	slices.Sort(addrs)
	return addrs, nil
}

// podIPOf is status.podIP of pod name as `shoal get pod NAME -o json`
// prints it.
func podIPOf(t *testing.T, a *testcluster.Agent, name string) string {
	t.Helper()
	out, errOut, err := a.CLI("get", "pod", name, "-o", "json")
	if err != nil {
		t.Fatalf("get pod %s: %v: %s", name, err, errOut)
	}
	var p struct {
		Status struct {
			PodIP string `json:"podIP"`
		} `json:"status"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil || p.Status.PodIP == "" {
		t.Fatalf("get pod %s -o json: no status.podIP in %q (%v)", name, out, err)
	}
	return p.Status.PodIP
}

// extName and extIP are the one name the test's upstream knows.
const (
	extName = "ext.example.test."
	extIP   = "192.0.2.10"
)

// upstream is a DNS server the test runs on the test host's lan address
// for the agents' --dns-upstream: it answers A extName with extIP and
// NXDOMAIN to everything else, and counts the questions for extName.
type upstream struct {
	addr string
	asks atomic.Int64
}

// startUpstream serves UDP on ip, a free port, until the test ends.
func startUpstream(tb testing.TB, ip string) *upstream {
	tb.Helper()
	pc, err := net.ListenPacket("udp", net.JoinHostPort(ip, "0"))
	if err != nil {
		tb.Fatalf("upstream DNS server: %v", err)
	}
	u := &upstream{addr: pc.LocalAddr().String()}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(u.answer)}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	tb.Cleanup(func() { _ = srv.Shutdown() })
	return u
}

func (u *upstream) answer(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	if len(r.Question) == 1 && strings.EqualFold(r.Question[0].Name, extName) {
		u.asks.Add(1)
		if r.Question[0].Qtype == dns.TypeA {
			m.Answer = append(m.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 30},
				A:   net.ParseIP(extIP),
			})
		}
	} else {
		m.Rcode = dns.RcodeNameError
	}
	_ = w.WriteMsg(m)
}

// untilNXDomain asks every agent's host-side listener for name (A, UDP)
// every 10 ms until it answers NXDOMAIN, and returns when each first did
// (a zero time: not within timeout) and the last other answer each gave.
func untilNXDomain(ctx context.Context, agents []*testcluster.Agent, name string, timeout time.Duration) (map[string]time.Time, map[string]string) {
	type result struct {
		node string
		at   time.Time
		last string
	}
	ch := make(chan result, len(agents))
	for _, a := range agents {
		go func() {
			res := result{node: a.Name}
			deadline := time.Now().Add(timeout)
			for time.Now().Before(deadline) && ctx.Err() == nil {
				r, err := dnsQuery(a.DNSAddr(), name, dns.TypeA, "udp")
				switch {
				case err != nil:
					res.last = err.Error()
				case r.Rcode == dns.RcodeNameError:
					if !hasSOA(r) {
						res.last = "NXDOMAIN without the zone's SOA in authority"
						break
					}
					res.at = time.Now()
					ch <- res
					return
				default:
					res.last = fmt.Sprintf("%s %v", dns.RcodeToString[r.Rcode], aRecords(r))
				}
				time.Sleep(10 * time.Millisecond)
			}
			ch <- res
		}()
	}
	at, last := map[string]time.Time{}, map[string]string{}
	for range agents {
		r := <-ch
		at[r.node], last[r.node] = r.at, r.last
	}
	return at, last
}
