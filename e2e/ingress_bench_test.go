package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/testcluster"
)

// benchIngressManifest is a StatefulSet ingb at 0 replicas (the benchmark
// scales it up one pod at a time) and, for each of its first n pods, a
// service selecting that pod alone and an Ingress rule routing host
// ingb-I.bench.test to it: a request for that host is answered once the
// pod is in the ingress table, and never by another pod, so the
// measure is not blurred by balancing over the older pods. The pods have
// a readiness probe: without one, Ready only means the container
// started, and the time until the server listens would be counted too.
func benchIngressManifest(n int) []byte {
	var b strings.Builder
	b.WriteString(`apiVersion: v1
kind: Service
metadata: {name: ingb}
spec:
  clusterIP: None
  selector: {app: ingb}
  ports: [{name: http, port: 8080}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ingb}
spec:
  serviceName: ingb
  replicas: 0
  selector: {matchLabels: {app: ingb}}
  template:
    metadata: {labels: {app: ingb}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: web
          image: shoal.local/testserver:1
          ports: [{name: http, containerPort: 8080}]
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
            periodSeconds: 1
`)
	for i := range n {
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: Service
metadata: {name: ingb-%[1]d}
spec:
  selector: {statefulset.kubernetes.io/pod-name: ingb-%[1]d}
  ports: [{port: 80, targetPort: http}]
`, i)
	}
	b.WriteString(`---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ingb}
spec:
  rules:
`)
	for i := range n {
		fmt.Fprintf(&b, `    - host: ingb-%[1]d.bench.test
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: ingb-%[1]d, port: {number: 80}}}}]
`, i)
	}
	return []byte(b.String())
}

// BenchmarkIngressReadyToTraffic measures how soon a new pod gets
// traffic through the ingress: a StatefulSet is scaled up one pod at a
// time, and for each pod the time runs from its Ready condition
// appearing in the API (polled every 5 ms) until each node's ingress
// (asked from the test host every 2 ms, Host ingb-I.bench.test, which
// routes to that pod alone) first answers with the pod's hostname. It
// runs once whatever b.N (go test ./e2e -run '^$' -bench
// BenchmarkIngressReadyToTraffic -benchtime 1x) and reports p50 and p99
// over the pods of the slowest node's time. Settings: SHOAL_BENCH_NODES
// (3), SHOAL_BENCH_PODS (20).
func BenchmarkIngressReadyToTraffic(b *testing.B) {
	nodes := envInt(b, "SHOAL_BENCH_NODES", 3)
	pods := envInt(b, "SHOAL_BENCH_PODS", 20)
	c := testcluster.NewNetNS(b)
	for i := 1; i <= nodes; i++ {
		c.Add(fmt.Sprintf("n%d", i))
	}
	recordState(b, c)
	importImages(b, c)
	first := c.Agents[0]
	applyTB(b, first, benchIngressManifest(pods))

	measureReadyTo(b, c, "ingb", pods, fmt.Sprintf("Ingress, %d agents in network namespaces: pod Ready in the API → its first answer through every node's ingress", nodes), "ingresses",
		func(name, _ string) map[string]time.Time {
			return untilIngressAnswers(b, c.Agents, name+".bench.test", name, 30*time.Second)
		})
}

// untilIngressAnswers GETs / with Host host from every agent's ingress
// every 2 ms until pod answers, and returns when each first did. It
// fails tb if one does not within timeout.
func untilIngressAnswers(tb testing.TB, agents []*testcluster.Agent, host, pod string, timeout time.Duration) map[string]time.Time {
	tb.Helper()
	clients := map[string]*http.Client{}
	for _, a := range agents {
		clients[a.Name] = ingressClient(2 * time.Second)
		defer clients[a.Name].CloseIdleConnections()
	}
	return untilEveryNode(tb, agents, timeout, fmt.Sprintf("Host %s: not answered by %s", host, pod), func(a *testcluster.Agent) (bool, string) {
		got, err := ingressGet(clients[a.Name], a.IP, host, "/", http.Header{})
		if err != nil {
			return false, err.Error()
		}
		return got.Hostname == pod, "answered by " + got.Hostname
	})
}
