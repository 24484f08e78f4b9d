package e2e

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// dnsYAML is what TestDNS resolves besides webYAML's three pods: their
// ClusterIP service web, and a StatefulSet db of two test servers with
// its governing headless service, so each pod has a name
// db-N.db.default.svc.cluster.local.
var dnsYAML = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
` + headlessStatefulSetYAML("db", 2, 5)

// dnsEnv is what TestDNS sets up: three agents whose DNS forwards to the
// test's upstream, a test server pod and a busybox pod on n1 to resolve
// from, the web pods (one per node) and the db StatefulSet.
type dnsEnv struct {
	c        *testcluster.Cluster
	n1       *testcluster.Agent
	up       *upstream
	client   *api.Pod // a test server: `/testserver get|lookup`
	shell    *api.Pod // busybox: nslookup
	web      []*api.Pod
	webIP    string // web's cluster IP
	dbIPs    map[string]string
	dbPodIPs []string // sorted
}

// TestDNS is issue 9's end-to-end proof on three agents in network
// namespaces: names resolve from pods through the agent on their node
// and from the test host through every node's own listener. The checks
// run in order; the scale-down changes the StatefulSet for the ones
// after it.
func TestDNS(t *testing.T) {
	skipShort(t)
	e := newDNSEnv(t)
	t.Run("http://web and http://web.default.svc.cluster.local from a pod on n1 reach pods on n2 and n3", e.getByName)
	t.Run("nslookup of a StatefulSet pod's name gives that pod's IP", e.statefulSetNames)
	t.Run("dig @NODE and a TCP query to every node answer web's ClusterIP", e.digEveryNode)
	t.Run("an external name from a pod is forwarded to --dns-upstream", e.externalName)
	t.Run("the host-side listener forwards for nodes and refuses the test host, which is none", e.recursionACL)
	t.Run("scale to 0: the headless name is NXDOMAIN on every node", e.scaleToZero)
}

// newDNSEnv starts the upstream, the cluster (pointing at it), the pods
// and the services, and waits until they are Ready with addresses.
func newDNSEnv(t *testing.T) *dnsEnv {
	t.Helper()
	c := testcluster.NewNetNS(t)
	up := startUpstream(t, c.HostIP())
	c.Args = append(c.Args, "--dns-upstream", up.addr)
	for _, n := range []string{"n1", "n2", "n3"} {
		c.Add(n)
	}
	importImages(t, c)
	e := &dnsEnv{c: c, n1: c.Agents[0], up: up}
	e.client = applyPod(t, e.n1, "client", "n1", fmt.Sprintf(testServerContainer, "dns-client"))
	e.shell = applyPod(t, e.n1, "shell", "n1", fmt.Sprintf(busyboxContainer, "sleep 3600"))
	apply(t, e.n1, webDeployment("v1"))
	apply(t, e.n1, []byte(dnsYAML))
	e.web = waitWeb(t, e.n1, "v1")
	e.webIP = waitClusterIPs(t, e.n1, []string{"web"}, 30*time.Second)["web"]
	waitReadyPods(t, e.n1, "db", 2)
	e.dbIPs = map[string]string{}
	for _, name := range []string{"db-0", "db-1"} {
		e.dbIPs[name] = podIPOf(t, e.n1, name)
		e.dbPodIPs = append(e.dbPodIPs, e.dbIPs[name])
	}
	slices.Sort(e.dbPodIPs)
	t.Logf("web pods %v, web's cluster IP %s; db pods %v; upstream %s", nodesOf(e.web), e.webIP, e.dbIPs, up.addr)
	return e
}

// getByName GETs web through its short and its full name from the
// client pod until pods on n2 and n3 have answered: the name resolves to
// the ClusterIP, which balances over every node's pod.
func (e *dnsEnv) getByName(t *testing.T) {
	nodeOf := nodesOf(e.web)
	for _, url := range []string{"http://web", "http://" + svcName("web")} {
		t.Run(url, func(t *testing.T) {
			seen := map[string]int{}
			var errs []string
			// Three failures are enough to tell: each can take the
			// client's 10 s timeout.
			for i := 0; i < 30 && len(errs) < 3 && (seen["n2"] == 0 || seen["n3"] == 0); i++ {
				host, err := podGet(e.n1, e.client, url)
				if err != nil {
					errs = append(errs, err.Error())
					continue
				}
				node, ok := nodeOf[host]
				if !ok {
					t.Fatalf("GET %s answered by %q, want one of the web pods %v", url, host, nodeOf)
				}
				seen[node]++
			}
			t.Logf("GET %s from %s on n1: answers per node %v, %d failed", url, e.client.Name, seen, len(errs))
			if len(errs) > 0 {
				t.Errorf("%d GETs of %s failed, first: %s", len(errs), url, errs[0])
			}
			if seen["n2"] == 0 || seen["n3"] == 0 {
				t.Errorf("GET %s: answers per node %v, want pods on n2 and n3 among them", url, seen)
			}
		})
	}
}

// nslookupAddr matches busybox nslookup's answer lines ("Address: IP",
// not the server's "Address:\tIP:53").
var nslookupAddr = regexp.MustCompile(`(?m)^Address:\s*([0-9.]+)\s*$`)

// statefulSetNames resolves each db pod's own name (busybox nslookup,
// and Go's resolver through the search path), and the headless name to
// both pods.
func (e *dnsEnv) statefulSetNames(t *testing.T) {
	for _, name := range []string{"db-0", "db-1"} {
		want := e.dbIPs[name]
		fqdn := name + "." + svcName("db")
		t.Run("nslookup "+fqdn, func(t *testing.T) {
			out, err := inPod(e.n1, e.shell, "nslookup", fqdn)
			var got []string
			for _, m := range nslookupAddr.FindAllStringSubmatch(out, -1) {
				got = append(got, m[1])
			}
			if !slices.Equal(got, []string{want}) {
				t.Fatalf("nslookup %s: addresses %v (%v), want [%s] (status.podIP):\n%s", fqdn, got, err, want, out)
			}
		})
		t.Run("lookup "+name+".db through the search path", func(t *testing.T) {
			got, err := podLookup(e.n1, e.client, name+".db")
			if err != nil || !slices.Equal(got, []string{want}) {
				t.Fatalf("lookup %s.db: %v %v, want [%s]", name, got, err, want)
			}
		})
	}
	t.Run("the headless name has one address per pod", func(t *testing.T) {
		got, err := podLookup(e.n1, e.client, svcName("db"))
		if err != nil || !slices.Equal(got, e.dbPodIPs) {
			t.Fatalf("lookup %s: %v %v, want %v", svcName("db"), got, err, e.dbPodIPs)
		}
	})
}

// digEveryNode asks each node's host-side listener from the test host:
// Debian's dig over UDP, the miekg client over TCP.
func (e *dnsEnv) digEveryNode(t *testing.T) {
	for _, a := range e.c.Agents {
		t.Run(a.Name, func(t *testing.T) {
			out, err := hostRun(context.Background(), "dig", "+short", "+time=2", "+tries=1", "@"+a.IP, svcName("web"))
			if got := strings.TrimSpace(out); err != nil || got != e.webIP {
				t.Errorf("dig +short @%s %s: %q (%v), want %s", a.IP, svcName("web"), got, err, e.webIP)
			}
			out, err = hostRun(context.Background(), "dig", "+short", "+time=2", "+tries=1", "@"+a.IP, "-x", e.webIP)
			if got, want := strings.TrimSpace(out), svcName("web")+"."; err != nil || got != want {
				t.Errorf("dig +short @%s -x %s: %q (%v), want %s", a.IP, e.webIP, got, err, want)
			}
			srv := "_http._tcp." + svcName("web")
			out, err = hostRun(context.Background(), "dig", "+short", "+time=2", "+tries=1", "@"+a.IP, "SRV", srv)
			if got, want := strings.TrimSpace(out), "0 100 80 "+svcName("web")+"."; err != nil || got != want {
				t.Errorf("dig +short @%s SRV %s: %q (%v), want %q", a.IP, srv, got, err, want)
			}
			r, err := dnsQuery(a.DNSAddr(), svcName("web"), dns.TypeA, "tcp")
			if err != nil {
				t.Fatal(err)
			}
			if got := aRecords(r); r.Rcode != dns.RcodeSuccess || !r.Authoritative || !slices.Equal(got, []string{e.webIP}) {
				t.Errorf("A %s over TCP to %s: %s aa=%v %v, want NOERROR aa=true [%s]", svcName("web"), a.DNSAddr(), dns.RcodeToString[r.Rcode], r.Authoritative, got, e.webIP)
			}
		})
	}
}

// externalName resolves the upstream's one name from the client pod:
// with ndots:5 the search path is tried first (NXDOMAIN from the
// cluster zone), then the name itself, which the agent forwards.
func (e *dnsEnv) externalName(t *testing.T) {
	name := strings.TrimSuffix(extName, ".")
	got, err := podLookup(e.n1, e.client, name)
	if err != nil || !slices.Equal(got, []string{extIP}) {
		t.Fatalf("lookup %s: %v %v, want [%s] from the upstream at %s", name, got, err, extIP, e.up.addr)
	}
	if e.up.asks.Load() == 0 {
		t.Fatalf("lookup %s answered %v, but the upstream at %s was never asked", name, got, e.up.addr)
	}
	t.Logf("lookup %s from a pod: %v; the upstream was asked %d times", name, got, e.up.asks.Load())
}

// recursionACL asks n1's host-side listener for the external name from
// the test host (on the nodes' lan but not a node: REFUSED, so a node's
// address is no open resolver) and from n2's own network namespace (a
// node's address: forwarded).
func (e *dnsEnv) recursionACL(t *testing.T) {
	name := strings.TrimSuffix(extName, ".")
	r, err := dnsQuery(e.n1.DNSAddr(), name, dns.TypeA, "udp")
	if err != nil {
		t.Fatal(err)
	}
	if r.Rcode != dns.RcodeRefused || len(r.Answer) > 0 {
		t.Errorf("A %s from the test host (%s) to %s: %s %v, want REFUSED without an answer", name, e.c.HostIP(), e.n1.DNSAddr(), dns.RcodeToString[r.Rcode], aRecords(r))
	}
	n2 := e.c.Agents[1]
	out, err := n2.InNetNS(context.Background(), "dig", "+short", "+time=2", "+tries=1", "@"+e.n1.IP, name)
	if got := strings.TrimSpace(out); err != nil || got != extIP {
		t.Errorf("dig +short @%s %s from %s (%s): %q (%v), want %s", e.n1.IP, name, n2.Name, n2.IP, got, err, extIP)
	}
}

// scaleToZero scales db to 0 and measures, on each node, when its
// listener first answers NXDOMAIN for the headless name, from the
// scale command's return, from the API's last Ready db pod turning
// terminating or not Ready, and from the last db pod leaving the API.
func (e *dnsEnv) scaleToZero(t *testing.T) {
	name := svcName("db")
	testcluster.Eventually(t, 10*time.Second, func() error {
		for _, a := range e.c.Agents {
			r, err := dnsQuery(a.DNSAddr(), name, dns.TypeA, "udp")
			if err != nil {
				return err
			}
			if got := aRecords(r); !slices.Equal(got, e.dbPodIPs) {
				return fmt.Errorf("A %s at %s: %s %v, want %v", name, a.Name, dns.RcodeToString[r.Rcode], got, e.dbPodIPs)
			}
		}
		return nil
	})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	var noneReady, gone time.Time
	wg.Add(1)
	go func() {
		defer wg.Done()
		noneReady, gone = watchDBPods(ctx, e.n1, 60*time.Second)
	}()
	type nx struct {
		at   map[string]time.Time
		last map[string]string
	}
	nxCh := make(chan nx, 1)
	go func() {
		at, last := untilNXDomain(ctx, e.c.Agents, name, 30*time.Second)
		nxCh <- nx{at, last}
	}()
	if out, errOut, err := e.n1.CLI("scale", "statefulset/db", "--replicas", "0"); err != nil {
		t.Fatalf("scale statefulset/db --replicas 0: %v: %s%s", err, out, errOut)
	}
	scaled := time.Now()
	res := <-nxCh
	for _, a := range e.c.Agents {
		if res.at[a.Name].IsZero() {
			t.Errorf("A %s at %s (%s): not NXDOMAIN 30s after the scale to 0; last answer: %s", name, a.Name, a.DNSAddr(), res.last[a.Name])
		}
	}
	wg.Wait()
	since := func(ref time.Time) string {
		if ref.IsZero() {
			return "never seen"
		}
		var parts []string
		for _, a := range e.c.Agents {
			parts = append(parts, fmt.Sprintf("%s %+dms", a.Name, res.at[a.Name].Sub(ref).Milliseconds()))
		}
		return strings.Join(parts, ", ")
	}
	t.Logf("NXDOMAIN for %s after the scale command returned: %s", name, since(scaled))
	t.Logf("  after the API showed no Ready db pod (%+dms after the scale): %s", ms0(noneReady, scaled), since(noneReady))
	t.Logf("  after the last db pod left the API (%+dms after the scale): %s", ms0(gone, scaled), since(gone))
	if t.Failed() {
		return
	}
	t.Run("a pod's lookup says no such host", func(t *testing.T) {
		got, err := podLookup(e.n1, e.client, name)
		if err == nil || !strings.Contains(err.Error(), "no such host") {
			t.Fatalf("lookup %s after the scale to 0: %v %v, want the error \"no such host\"", name, got, err)
		}
	})
}

// watchDBPods polls the db pods through a's API every 10 ms and returns
// when none was Ready and not terminating any more, and when none was
// left at all (zero times: not within timeout).
func watchDBPods(ctx context.Context, a *testcluster.Agent, timeout time.Duration) (noneReady, gone time.Time) {
	cl := a.Client()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		objs, err := cl.List(ctx, "pods", "default", "app=db")
		if err == nil {
			serving := 0
			for _, o := range objs {
				if p := o.(*api.Pod); p.DeletionTimestamp == nil && ready(p) {
					serving++
				}
			}
			if serving == 0 && noneReady.IsZero() {
				noneReady = time.Now()
			}
			if len(objs) == 0 {
				return noneReady, time.Now()
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return noneReady, gone
}

// ms0 is t-ref in milliseconds, 0 when t is unknown.
func ms0(t, ref time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Sub(ref).Milliseconds()
}

// headlessStatefulSetYAML is a headless service NAME (port http 8080) and
// its StatefulSet of the test image with replicas pods, each given grace
// seconds to stop.
func headlessStatefulSetYAML(name string, replicas, grace int) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Service
metadata: {name: %[1]s}
spec:
  clusterIP: None
  selector: {app: %[1]s}
  ports: [{name: http, port: 8080}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: %[1]s}
spec:
  serviceName: %[1]s
  replicas: %[2]d
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s}}
    spec:
      terminationGracePeriodSeconds: %[3]d
      containers:
        - name: %[1]s
          image: shoal.local/testserver:1
          ports: [{name: http, containerPort: 8080}]
`, name, replicas, grace)
}
