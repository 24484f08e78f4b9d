package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// benchDNSYAML is a headless service and its StatefulSet, at 0 replicas:
// the benchmark scales it up one pod at a time.
var benchDNSYAML = headlessStatefulSetYAML("dnsb", 0, 1)

// BenchmarkDNSReadyToResolvable measures how soon a new pod's name
// resolves on every node: a StatefulSet behind a headless service is
// scaled up one pod at a time, and for each pod the time runs from its
// Ready condition appearing in the API (polled every 5 ms) until each
// node's host-side DNS listener (asked from the test host every 2 ms)
// answers its name POD.dnsb.default.svc.cluster.local with its IP. It
// runs once whatever b.N (go test ./e2e -run '^$' -bench
// BenchmarkDNSReadyToResolvable -benchtime 1x) and reports p50 and p99
// over the pods of the slowest node's time. Settings: SHOAL_BENCH_NODES
// (3), SHOAL_BENCH_PODS (20).
func BenchmarkDNSReadyToResolvable(b *testing.B) {
	nodes := envInt(b, "SHOAL_BENCH_NODES", 3)
	pods := envInt(b, "SHOAL_BENCH_PODS", 20)
	c := testcluster.NewNetNS(b)
	for i := 1; i <= nodes; i++ {
		c.Add(fmt.Sprintf("n%d", i))
	}
	recordState(b, c)
	importImages(b, c)
	first := c.Agents[0]
	applyTB(b, first, []byte(benchDNSYAML))

	measureReadyTo(b, c, "dnsb", pods, fmt.Sprintf("DNS, %d agents in network namespaces: pod Ready in the API → its name answered by every node", nodes), "listeners",
		func(name, ip string) map[string]time.Time {
			return untilResolves(b, c.Agents, name+"."+svcName("dnsb"), ip, 30*time.Second)
		})
}

// measureReadyTo scales StatefulSet sts up one pod at a time (on the
// first agent of c) and times, for each pod, from its Ready condition in
// that agent's API to served(pod, ip), which returns when each node first
// served it. It prints p50 and p99 of the slowest node per pod and per
// node under title, and reports the former.
func measureReadyTo(b *testing.B, c *testcluster.Cluster, sts string, pods int, title, polled string, served func(name, ip string) map[string]time.Time) {
	var every []time.Duration               // per pod: the slowest node
	perNode := map[string][]time.Duration{} // per node, per pod
	for i := range pods {
		name := fmt.Sprintf("%s-%d", sts, i)
		readyAt, ip := scaleAndWatch(b, c.Agents[0], sts, i+1, name)
		at := served(name, ip)
		var worst time.Duration
		for node, t := range at {
			d := t.Sub(readyAt)
			perNode[node] = append(perNode[node], d)
			worst = max(worst, d)
		}
		every = append(every, worst)
		b.Logf("%s (%s): served by every node %s after Ready (%s)", name, ip, worst.Round(time.Millisecond), fmtNodeTimes(at, readyAt))
	}
	fmt.Printf("\n%s (%d pods, one at a time)\n", title, pods)
	fmt.Printf("every node: p50 %s p99 %s\n", ms(pctl(every, 0.5)), ms(pctl(every, 0.99)))
	for _, a := range c.Agents {
		fmt.Printf("  %s: p50 %s p99 %s\n", a.Name, ms(pctl(perNode[a.Name], 0.5)), ms(pctl(perNode[a.Name], 0.99)))
	}
	fmt.Printf("(the API is polled every 5 ms and the %s every 2 ms: that is the resolution)\n", polled)
	b.ReportMetric(float64(pctl(every, 0.5))/1e6, "p50-ms")
	b.ReportMetric(float64(pctl(every, 0.99))/1e6, "p99-ms")
}

// scaleAndWatch scales StatefulSet sts to replicas and polls a's API
// every 5 ms until pod name is Ready with an IP; it returns when it first
// saw that.
func scaleAndWatch(tb testing.TB, a *testcluster.Agent, sts string, replicas int, name string) (time.Time, string) {
	tb.Helper()
	if out, errOut, err := a.CLI("scale", "statefulset/"+sts, "--replicas", fmt.Sprint(replicas)); err != nil {
		tb.Fatalf("scale statefulset/%s --replicas %d: %v: %s%s", sts, replicas, err, out, errOut)
	}
	cl := a.Client()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		o, err := cl.Get(context.Background(), "pods", "default", name)
		if p, ok := o.(*api.Pod); err == nil && ok && ready(p) && p.Status.PodIP != "" {
			return time.Now(), p.Status.PodIP
		}
		time.Sleep(5 * time.Millisecond)
	}
	tb.Fatalf("pod %s not Ready with an IP 2m after scaling to %d", name, replicas)
	return time.Time{}, ""
}

// untilResolves asks every agent's host-side listener for name (A, UDP)
// every 2 ms until it answers ip, and returns when each first did. It
// fails tb if one does not within timeout.
func untilResolves(tb testing.TB, agents []*testcluster.Agent, name, ip string, timeout time.Duration) map[string]time.Time {
	tb.Helper()
	return untilEveryNode(tb, agents, timeout, fmt.Sprintf("A %s: not %s", name, ip), func(a *testcluster.Agent) (bool, string) {
		r, err := dnsQuery(a.DNSAddr(), name, dns.TypeA, "udp")
		if err != nil {
			return false, err.Error()
		}
		got := aRecords(r)
		return len(got) == 1 && got[0] == ip, fmt.Sprintf("%s %v", dns.RcodeToString[r.Rcode], got)
	})
}

// untilEveryNode polls probe on every agent in parallel, every 2 ms,
// until it says ok, and returns when each agent first did; an agent that
// did not within timeout fails tb with what and its last answer.
func untilEveryNode(tb testing.TB, agents []*testcluster.Agent, timeout time.Duration, what string, probe func(a *testcluster.Agent) (ok bool, answer string)) map[string]time.Time {
	tb.Helper()
	var mu sync.Mutex
	at := map[string]time.Time{}
	last := map[string]string{}
	var wg sync.WaitGroup
	for _, a := range agents {
		wg.Go(func() {
			for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
				ok, answer := probe(a)
				mu.Lock()
				if ok {
					at[a.Name] = time.Now()
				}
				last[a.Name] = answer
				mu.Unlock()
				if ok {
					return
				}
			}
		})
	}
	wg.Wait()
	for _, a := range agents {
		if at[a.Name].IsZero() {
			tb.Fatalf("%s at %s within %s; last answer: %s", what, a.Name, timeout, last[a.Name])
		}
	}
	return at
}
