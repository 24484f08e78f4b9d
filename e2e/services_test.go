package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// webYAML is the backend Deployment: three test servers (the scheduler
// spreads one owner's pods, so one per node on three nodes) answering
// HTTP on a named port and UDP, Ready through a probe, and serving on for
// two seconds after SIGTERM while the cluster takes them out of the
// endpoints. VERSION changes the template for a rolling update.
const webYAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
        - name: web
          image: shoal.local/testserver:1
          ports:
            - {name: http, containerPort: 8080}
            - {name: echo, containerPort: 9000, protocol: UDP}
          env:
            - {name: UDP_PORT, value: "9000"}
            - {name: SHUTDOWN_DELAY, value: 2s}
            - {name: VERSION, value: %s}
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
            periodSeconds: 1
`

// servicesYAML are the services under test. solo-* select the one solo
// pod pinned to n1; empty selects nothing.
const servicesYAML = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
    - {name: http, port: 80, targetPort: http}
    - {name: echo, port: 9000, protocol: UDP, targetPort: 9000}
---
apiVersion: v1
kind: Service
metadata: {name: solo-np}
spec:
  type: NodePort
  selector: {app: solo}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: solo-local}
spec:
  type: NodePort
  externalTrafficPolicy: Local
  selector: {app: solo}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web-lb}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 18081, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: empty}
spec:
  type: NodePort
  selector: {app: nothing}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: doomed}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`

func webDeployment(version string) []byte { return []byte(fmt.Sprintf(webYAML, version)) }

// TestServices is issue 8's end-to-end proof: three agents in network
// namespaces with containerd, backends that report their hostname, a
// client pod on n1 and the test host on the agents' lan.
func TestServices(t *testing.T) {
	skipShort(t)
	c := serviceCluster(t, "n1", "n2", "n3")
	n1, n2, n3 := c.Agents[0], c.Agents[1], c.Agents[2]
	nodeIPs := []string{n1.IP, n2.IP, n3.IP}
	hostIP := c.HostIP()

	clientPod := applyPod(t, n1, "client", "n1", fmt.Sprintf(busyboxContainer, "sleep 3600"))
	solo := applyPod(t, n1, "solo", "n1", fmt.Sprintf(testServerContainer, "solo"))
	apply(t, n1, webDeployment("v1"))
	apply(t, n1, []byte(servicesYAML))
	web := waitWeb(t, n1, "v1")
	svcs := waitServices(t, n1, nodeIPs)
	clientNS := podNetNS(t, c, clientPod)
	webIP, soloIP := svcs["web"].Spec.ClusterIP, svcs["solo-np"].Spec.ClusterIP
	webAddr := net.JoinHostPort(webIP, "80")
	t.Logf("client %s on n1; solo %s (%s) on n1; web pods %v; cluster IPs web %s solo-np %s",
		clientPod.Name, solo.Name, solo.Status.PodIP, nodesOf(web), webIP, soloIP)

	t.Run("get svc, get endpoints and describe svc", func(t *testing.T) {
		checkServiceTables(t, n2, svcs, web, solo, nodeIPs)
	})

	t.Run("ClusterIP from a pod on n1 reaches pods on all three nodes over TCP", func(t *testing.T) {
		// Through `shoal exec` and busybox nc, as a user would.
		script := fmt.Sprintf(`for i in $(seq 30); do printf 'GET / HTTP/1.0\r\nHost: test\r\n\r\n' | nc -w 3 %s 80 || echo FAILED; echo; done`, webIP)
		hostRE := regexp.MustCompile(`"hostname": "([^"]+)"`)
		testcluster.Eventually(t, 30*time.Second, func() error {
			out, errOut, err := n1.CLI("exec", clientPod.Name, "--", "sh", "-c", script)
			if err != nil {
				return fmt.Errorf("exec in %s: %v: %s", clientPod.Name, err, errOut)
			}
			var as []answer
			for _, m := range hostRE.FindAllStringSubmatch(out, -1) {
				as = append(as, answer{Hostname: m[1]})
			}
			for range strings.Count(out, "FAILED") {
				as = append(as, answer{Err: errors.New("nc failed")})
			}
			return answeredByEveryNode(as, 30, web, "TCP "+webAddr)
		})
	})

	t.Run("ClusterIP from a pod on n1 reaches pods on all three nodes over UDP", func(t *testing.T) {
		// busybox has no UDP client: the test enters the client pod's
		// network namespace and sends from there.
		addr := net.JoinHostPort(webIP, "9000")
		testcluster.Eventually(t, 30*time.Second, func() error {
			as, err := askN(clientNS, 30, func() answer { return udpOnce(addr, 2*time.Second) })
			if err != nil {
				return err
			}
			return answeredByEveryNode(as, 30, web, "UDP "+addr)
		})
	})

	t.Run("hairpin: a pod reaches its own service and itself", func(t *testing.T) {
		soloNS := podNetNS(t, c, solo)
		addr := net.JoinHostPort(soloIP, "80")
		testcluster.Eventually(t, 20*time.Second, func() error {
			as, err := askN(soloNS, 5, func() answer { return httpOnce(addr, 2*time.Second) })
			if err != nil {
				return err
			}
			if got := tallyOf(as); got.byHost[solo.Name] != 5 {
				return fmt.Errorf("pod %s asking its own service solo-np at %s: %s; want all 5 answered by itself", solo.Name, addr, got)
			}
			return nil
		})
		// A pod behind a three-pod service: every request is answered,
		// some by the asking pod itself ((2/3)^30 odds of never).
		self := web[1]
		selfNS := podNetNS(t, c, self)
		testcluster.Eventually(t, 20*time.Second, func() error {
			as, err := askN(selfNS, 30, func() answer { return httpOnce(webAddr, 2*time.Second) })
			if err != nil {
				return err
			}
			got := tallyOf(as)
			if len(got.errs) > 0 || got.byHost[self.Name] == 0 {
				return fmt.Errorf("pod %s on %s asking web at %s: %s; want 30 answers, some from itself", self.Name, self.Spec.NodeName, webAddr, got)
			}
			return nil
		})
	})

	soloNP := svcs["solo-np"].Spec.Ports[0].NodePort
	t.Run("NodePort on a node with no local endpoint", func(t *testing.T) {
		for _, a := range []*testcluster.Agent{n3, n2} {
			addr := net.JoinHostPort(a.IP, strconv.Itoa(int(soloNP)))
			testcluster.Eventually(t, 20*time.Second, func() error {
				as, _ := askN("", 5, func() answer { return httpOnce(addr, 2*time.Second) })
				if got := tallyOf(as); got.byHost[solo.Name] != 5 {
					return fmt.Errorf("test host to NodePort %s on %s (solo runs on n1): %s; want all 5 answered by %s", addr, a.Name, got, solo.Name)
				}
				return nil
			})
		}
	})

	t.Run("externalTrafficPolicy Local keeps the client IP and is not answered without a local endpoint", func(t *testing.T) {
		local := svcs["solo-local"]
		np := strconv.Itoa(int(local.Spec.Ports[0].NodePort))
		addr := net.JoinHostPort(n1.IP, np)
		testcluster.Eventually(t, 20*time.Second, func() error {
			a := httpOnce(addr, 2*time.Second)
			if a.Err != nil {
				return fmt.Errorf("test host to NodePort %s on n1 (the endpoint's node): %v (%s)", addr, a.Err, errKind(a.Err))
			}
			if host, _, _ := net.SplitHostPort(a.Remote); host != hostIP {
				return fmt.Errorf("backend %s saw client %s, want the test host's %s (no source NAT with policy Local)", a.Hostname, a.Remote, hostIP)
			}
			return nil
		})
		for _, a := range []*testcluster.Agent{n2, n3} {
			// The service's rules are on the node before asking: a silent
			// node must be the policy, not a data plane that is late.
			testcluster.Eventually(t, 20*time.Second, func() error {
				rules, err := ruleset(a)
				if err != nil {
					return err
				}
				if !mentions(rules, local.Spec.ClusterIP) {
					return fmt.Errorf("nft on %s does not hold solo-local's cluster IP %s yet", a.Name, local.Spec.ClusterIP)
				}
				return nil
			})
			addr := net.JoinHostPort(a.IP, np)
			got := httpOnce(addr, 2*time.Second)
			if got.Err == nil {
				t.Errorf("test host to NodePort %s on %s, which has no endpoint of solo-local: answered by %s; want no answer", addr, a.Name, got.Hostname)
				continue
			}
			t.Logf("NodePort %s on %s without a local endpoint: %s after %s", addr, a.Name, errKind(got.Err), got.Took.Round(time.Millisecond))
		}
	})

	t.Run("LoadBalancer answers on every node address with status filled", func(t *testing.T) {
		out, errOut, err := n3.CLI("get", "svc", "web-lb", "-o", "json")
		if err != nil {
			t.Fatalf("get svc web-lb -o json: %v: %s", err, errOut)
		}
		var lb api.Service
		if err := json.Unmarshal([]byte(out), &lb); err != nil {
			t.Fatalf("decode get svc web-lb -o json: %v\n%s", err, out)
		}
		var ingress []string
		for _, in := range lb.Status.LoadBalancer.Ingress {
			ingress = append(ingress, in.IP)
		}
		if !sameSet(strings.Join(ingress, ","), nodeIPs) {
			t.Errorf("web-lb status.loadBalancer.ingress %v, want every node's address %v", ingress, nodeIPs)
		}
		for _, ip := range nodeIPs {
			addr := net.JoinHostPort(ip, "18081")
			testcluster.Eventually(t, 20*time.Second, func() error {
				as, _ := askN("", 5, func() answer { return httpOnce(addr, 2*time.Second) })
				got := tallyOf(as)
				if len(got.errs) > 0 || len(got.byHost) == 0 {
					return fmt.Errorf("test host to LoadBalancer port %s: %s; want 5 answers from web pods", addr, got)
				}
				for h := range got.byHost {
					if _, ok := nodesOf(web)[h]; !ok {
						return fmt.Errorf("test host to LoadBalancer port %s answered by %s, not a web pod %v", addr, h, nodesOf(web))
					}
				}
				return nil
			})
		}
	})

	t.Run("a service with no ready pod is refused at once", func(t *testing.T) {
		empty := svcs["empty"]
		checks := []struct{ from, netns, addr string }{
			{"client pod on n1", clientNS, net.JoinHostPort(empty.Spec.ClusterIP, "80")},
			{"test host", "", net.JoinHostPort(n2.IP, strconv.Itoa(int(empty.Spec.Ports[0].NodePort)))},
		}
		for _, ck := range checks {
			testcluster.Eventually(t, 20*time.Second, func() error {
				as, err := askN(ck.netns, 1, func() answer { return httpOnce(ck.addr, 3*time.Second) })
				if err != nil {
					return err
				}
				a := as[0]
				if !errors.Is(a.Err, syscall.ECONNREFUSED) {
					return fmt.Errorf("%s to %s (no endpoints): got %v (%s) after %s; want connection refused", ck.from, ck.addr, a.Err, errKind(a.Err), a.Took)
				}
				t.Logf("%s to %s: refused after %s", ck.from, ck.addr, a.Took.Round(time.Microsecond))
				return nil
			})
		}
	})

	t.Run("rolling update under constant requests through the ClusterIP: zero failures", func(t *testing.T) {
		tr := startTraffic(t, clientNS, webAddr, 3)
		time.Sleep(time.Second)
		apply(t, n1, webDeployment("v2"))
		started := time.Now()
		var fresh []*api.Pod
		testcluster.Eventually(t, 180*time.Second, func() error {
			fresh = livePods(t, n1, "web")
			for _, p := range podsOf(t, n1, "web") {
				if envOf(p, "VERSION") != "v2" {
					return fmt.Errorf("v1 pod %s still there (%s)", p.Name, briefStatus(p))
				}
			}
			if len(fresh) != 3 {
				return fmt.Errorf("%d live v2 pods, want 3", len(fresh))
			}
			for _, p := range fresh {
				if !ready(p) {
					return fmt.Errorf("v2 pod %s not Ready (%s)", p.Name, briefStatus(p))
				}
			}
			return nil
		})
		t.Logf("rollout done in %s", time.Since(started).Round(time.Millisecond))
		time.Sleep(time.Second)
		ok, byHost, fails := tr.finish()
		checkNoFailures(t, "during the rolling update", ok, byHost, fails)
		for _, p := range fresh {
			if byHost[p.Name] > 0 {
				web = fresh
				return
			}
		}
		t.Errorf("no request answered by a new pod %v: %v", nodesOf(fresh), byHost)
	})

	t.Run("agent kill -9 and restart while traffic flows: zero failures", func(t *testing.T) {
		// n1 holds the client and does its DNAT; the other victim holds a
		// web endpoint.
		victims := []*testcluster.Agent{n1}
		for _, p := range livePods(t, n2, "web") {
			if p.Spec.NodeName != "n1" {
				victims = append(victims, agentNamed(c, p.Spec.NodeName))
				break
			}
		}
		tr := startTraffic(t, clientNS, webAddr, 3)
		time.Sleep(time.Second)
		for _, v := range victims {
			v.Kill()
			t.Logf("killed %s", v.Name)
			time.Sleep(2 * time.Second)
			v.Restart()
			t.Logf("restarted %s", v.Name)
			time.Sleep(3 * time.Second)
		}
		ok, byHost, fails := tr.finish()
		checkNoFailures(t, "while agents "+agentNames(victims)+" were killed and restarted", ok, byHost, fails)
	})

	t.Run("scale down: the endpoint is gone from every node", func(t *testing.T) {
		before := livePods(t, n1, "web")
		testcluster.Eventually(t, 20*time.Second, func() error {
			for _, a := range c.Agents {
				rules, err := ruleset(a)
				if err != nil {
					return err
				}
				for _, p := range before {
					if !mentions(rules, p.Status.PodIP) {
						return fmt.Errorf("before scaling: endpoint %s of %s missing from nft on %s", p.Status.PodIP, p.Name, a.Name)
					}
				}
			}
			return nil
		})
		start := time.Now()
		if out, errOut, err := n1.CLI("scale", "deployment/web", "--replicas", "2"); err != nil {
			t.Fatalf("scale: %v: %s%s", err, out, errOut)
		}
		var removed *api.Pod
		goneAt := map[string]time.Duration{}
		testcluster.Eventually(t, 30*time.Second, func() error {
			if removed == nil {
				live := nodesOf(livePods(t, n1, "web"))
				for _, p := range before {
					if _, ok := live[p.Name]; !ok {
						removed = p
					}
				}
				if removed == nil {
					return fmt.Errorf("all of %v still live after scaling to 2", nodesOf(before))
				}
			}
			for _, a := range c.Agents {
				if _, ok := goneAt[a.Name]; ok {
					continue
				}
				rules, err := ruleset(a)
				if err != nil {
					return err
				}
				if mentions(rules, removed.Status.PodIP) {
					return fmt.Errorf("endpoint %s of removed pod %s still in nft on %s: %s", removed.Status.PodIP, removed.Name, a.Name, linesWith(rules, removed.Status.PodIP))
				}
				goneAt[a.Name] = time.Since(start)
			}
			return nil
		})
		t.Logf("endpoint of %s gone after scale command: %v", removed.Name, goneAt)
		as, err := askN(clientNS, 30, func() answer { return httpOnce(webAddr, 2*time.Second) })
		if err != nil {
			t.Fatal(err)
		}
		if got := tallyOf(as); len(got.errs) > 0 || got.byHost[removed.Name] > 0 {
			t.Errorf("after scale down, web at %s: %s; want 30 answers, none from removed %s", webAddr, got, removed.Name)
		}
	})

	t.Run("service delete leaves nothing of it in nft", func(t *testing.T) {
		ip := svcs["doomed"].Spec.ClusterIP
		testcluster.Eventually(t, 20*time.Second, func() error {
			for _, a := range c.Agents {
				rules, err := ruleset(a)
				if err != nil {
					return err
				}
				if !mentions(rules, ip) {
					return fmt.Errorf("before delete: doomed's cluster IP %s not in nft on %s", ip, a.Name)
				}
			}
			return nil
		})
		if out, errOut, err := n2.CLI("delete", "svc", "doomed"); err != nil {
			t.Fatalf("delete svc doomed: %v: %s%s", err, out, errOut)
		}
		testcluster.Eventually(t, 20*time.Second, func() error {
			for _, a := range c.Agents {
				rules, err := ruleset(a)
				if err != nil {
					return err
				}
				if mentions(rules, ip) || strings.Contains(rules, "doomed") {
					return fmt.Errorf("nft on %s still holds deleted service doomed (%s):\n%s%s", a.Name, ip, linesWith(rules, ip), linesWith(rules, "doomed"))
				}
			}
			return nil
		})
		// The other services keep working.
		if a := httpOnce(net.JoinHostPort(n3.IP, strconv.Itoa(int(soloNP))), 2*time.Second); a.Err != nil {
			t.Errorf("solo-np after deleting doomed: %v (%s)", a.Err, errKind(a.Err))
		}
	})
}

// waitWeb waits until the web Deployment runs three Ready pods of
// version, one on each of n1, n2 and n3, and returns them.
func waitWeb(t *testing.T, a *testcluster.Agent, version string) []*api.Pod {
	t.Helper()
	var pods []*api.Pod
	testcluster.Eventually(t, 120*time.Second, func() error {
		pods = livePods(t, a, "web")
		perNode := spread(pods)
		for _, p := range pods {
			if !ready(p) || envOf(p, "VERSION") != version {
				return fmt.Errorf("web pod %s on %s not Ready at %s: %s", p.Name, p.Spec.NodeName, version, briefStatus(p))
			}
		}
		if len(pods) != 3 || perNode["n1"] != 1 || perNode["n2"] != 1 || perNode["n3"] != 1 {
			return fmt.Errorf("web pods per node %v, want one Ready pod on each of n1, n2, n3", perNode)
		}
		return nil
	})
	return pods
}

// waitServices waits until the leader has given every service its
// addresses (cluster IP from the service CIDR, node ports in the default
// range, the load balancer's ingress on every node address) and returns
// them by name.
func waitServices(t *testing.T, a *testcluster.Agent, nodeIPs []string) map[string]*api.Service {
	t.Helper()
	cidr := netip.MustParsePrefix("10.43.0.0/16")
	out := map[string]*api.Service{}
	testcluster.Eventually(t, 30*time.Second, func() error {
		for _, name := range []string{"web", "solo-np", "solo-local", "web-lb", "empty", "doomed"} {
			s := service(t, a, name)
			ip, err := netip.ParseAddr(s.Spec.ClusterIP)
			if err != nil || !cidr.Contains(ip) {
				return fmt.Errorf("service %s: clusterIP %q, want an address in %s", name, s.Spec.ClusterIP, cidr)
			}
			if s.HasNodePorts() {
				for _, p := range s.Spec.Ports {
					if p.NodePort < 30000 || p.NodePort > 32767 {
						return fmt.Errorf("service %s port %d: nodePort %d, want one in 30000-32767", name, p.Port, p.NodePort)
					}
				}
			}
			if s.Spec.Type == api.ServiceTypeLoadBalancer {
				var ips []string
				for _, in := range s.Status.LoadBalancer.Ingress {
					ips = append(ips, in.IP)
				}
				if !sameSet(strings.Join(ips, ","), nodeIPs) {
					return fmt.Errorf("service %s: status.loadBalancer.ingress %v, want every node's address %v", name, ips, nodeIPs)
				}
			}
			out[name] = s
		}
		return nil
	})
	return out
}

// answeredByEveryNode checks that all n requests were answered and that
// web pods on every node answered some.
func answeredByEveryNode(as []answer, n int, web []*api.Pod, what string) error {
	got := tallyOf(as)
	answered := len(as) - len(got.errs)
	nodes := nodesOf(web)
	perNode := map[string]int{}
	for h, k := range got.byHost {
		node, ok := nodes[h]
		if !ok {
			return fmt.Errorf("%s answered by %s, which is no web pod %v", what, h, nodes)
		}
		perNode[node] += k
	}
	if answered != n || perNode["n1"] == 0 || perNode["n2"] == 0 || perNode["n3"] == 0 {
		return fmt.Errorf("%s from the client pod: %d of %d answered, per node %v (%s); want all answered, by pods on n1, n2 and n3", what, answered, n, perNode, got)
	}
	return nil
}

// checkNoFailures fails the test if any request of a traffic run failed.
func checkNoFailures(t *testing.T, when string, ok int, byHost map[string]int, fails []string) {
	t.Helper()
	t.Logf("%s: %d requests answered (per pod %v), %d failed", when, ok, byHost, len(fails))
	if ok == 0 {
		t.Errorf("%s: no request answered; want a steady flow", when)
	}
	if len(fails) > 0 {
		t.Errorf("%s: %d of %d requests failed, want 0; first ones:\n%s", when, len(fails), ok+len(fails), strings.Join(fails[:min(10, len(fails))], "\n"))
	}
}

// checkServiceTables checks `get svc`, `get endpoints` and `describe
// svc` against the services and pods.
func checkServiceTables(t *testing.T, a *testcluster.Agent, svcs map[string]*api.Service, web []*api.Pod, solo *api.Pod, nodeIPs []string) {
	t.Helper()
	np := func(name string) string { return strconv.Itoa(int(svcs[name].Spec.Ports[0].NodePort)) }
	wantSvc := map[string]map[string]string{
		"web":     {"TYPE": "ClusterIP", "CLUSTER-IP": svcs["web"].Spec.ClusterIP, "EXTERNAL-IP": "<none>", "PORT(S)": "80/TCP,9000/UDP"},
		"solo-np": {"TYPE": "NodePort", "CLUSTER-IP": svcs["solo-np"].Spec.ClusterIP, "EXTERNAL-IP": "<none>", "PORT(S)": "80:" + np("solo-np") + "/TCP"},
		"web-lb":  {"TYPE": "LoadBalancer", "CLUSTER-IP": svcs["web-lb"].Spec.ClusterIP, "PORT(S)": "18081:" + np("web-lb") + "/TCP"},
	}
	testcluster.Eventually(t, 20*time.Second, func() error {
		out, errOut, err := a.CLI("get", "svc")
		if err != nil {
			return fmt.Errorf("get svc: %v: %s", err, errOut)
		}
		tb := parseTable(out)
		if want := []string{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"}; !slices.Equal(tb.header, want) {
			return fmt.Errorf("get svc header %v, want %v\n%s", tb.header, want, out)
		}
		for name, want := range wantSvc {
			row, ok := tb.rows[name]
			if !ok {
				return fmt.Errorf("get svc has no row %s:\n%s", name, out)
			}
			for col, w := range want {
				if row[col] != w {
					return fmt.Errorf("get svc %s %s: got %q, want %q\n%s", name, col, row[col], w, out)
				}
			}
		}
		if ext := tb.rows["web-lb"]["EXTERNAL-IP"]; !sameSet(ext, nodeIPs) {
			return fmt.Errorf("get svc web-lb EXTERNAL-IP: got %q, want the node addresses %v", ext, nodeIPs)
		}
		return nil
	})
	testcluster.Eventually(t, 20*time.Second, func() error {
		out, errOut, err := a.CLI("get", "endpoints")
		if err != nil {
			return fmt.Errorf("get endpoints: %v: %s", err, errOut)
		}
		tb := parseTable(out)
		if want := []string{"NAME", "ENDPOINTS", "AGE"}; !slices.Equal(tb.header, want) {
			return fmt.Errorf("get endpoints header %v, want %v\n%s", tb.header, want, out)
		}
		for name, want := range map[string]string{"solo-np": solo.Status.PodIP + ":8080", "empty": "<none>"} {
			if got := tb.rows[name]["ENDPOINTS"]; got != want {
				return fmt.Errorf("get endpoints %s: got %q, want %q\n%s", name, got, want, out)
			}
		}
		if got := tb.rows["web"]["ENDPOINTS"]; !strings.Contains(got, web[0].Status.PodIP+":") && !strings.Contains(got, web[1].Status.PodIP+":") {
			return fmt.Errorf("get endpoints web: got %q, want the web pods' addresses %v", got, nodesOf(web))
		}
		return nil
	})
	t.Run("get endpoints web -o json has every pod with both ports", func(t *testing.T) {
		out, errOut, err := a.CLI("get", "endpoints", "web", "-o", "json")
		if err != nil {
			t.Fatalf("get endpoints web -o json: %v: %s", err, errOut)
		}
		var ep api.Endpoints
		if err := json.Unmarshal([]byte(out), &ep); err != nil {
			t.Fatalf("decode: %v\n%s", err, out)
		}
		var ips, wantIPs, ports []string
		for _, p := range web {
			wantIPs = append(wantIPs, p.Status.PodIP)
		}
		for _, s := range ep.Subsets {
			for _, ad := range s.Addresses {
				ips = append(ips, ad.IP)
			}
			for _, p := range s.Ports {
				ports = append(ports, fmt.Sprintf("%s:%d/%s", p.Name, p.Port, p.Protocol))
			}
			if len(s.NotReadyAddresses) > 0 {
				t.Errorf("not-ready addresses %v, want none", s.NotReadyAddresses)
			}
		}
		if !sameSet(strings.Join(ips, ","), wantIPs) {
			t.Errorf("endpoints web addresses %v, want %v", ips, wantIPs)
		}
		if !sameSet(strings.Join(ports, ","), []string{"http:8080/TCP", "echo:9000/UDP"}) {
			t.Errorf("endpoints web ports %v, want http:8080/TCP and echo:9000/UDP", ports)
		}
	})
	t.Run("describe svc shows endpoints", func(t *testing.T) {
		out, errOut, err := a.CLI("describe", "svc", "solo-np")
		if err != nil {
			t.Fatalf("describe svc solo-np: %v: %s", err, errOut)
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "Endpoints:") && strings.Contains(line, solo.Status.PodIP+":8080") {
				return
			}
		}
		t.Errorf("describe svc solo-np has no line \"Endpoints: %s:8080\":\n%s", solo.Status.PodIP, out)
	})
}

// envOf is the literal value of a pod's first container's variable.
func envOf(p *api.Pod, name string) string {
	for _, e := range p.Spec.Containers[0].Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// linesWith returns the lines of s that contain sub, for failure
// messages.
func linesWith(s, sub string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func agentNames(as []*testcluster.Agent) string {
	var names []string
	for _, a := range as {
		names = append(names, a.Name)
	}
	return strings.Join(names, " and ")
}
