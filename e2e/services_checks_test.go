package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
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

// tables checks `get svc`, `get endpoints` and `describe svc`.
func (e *svcEnv) tables(t *testing.T) {
	n2, nodeIPs, solo, web, svcs := e.n2, e.nodeIPs, e.solo, e.web, e.svcs
	checkServiceTables(t, n2, svcs, web, solo, nodeIPs)
}

// clusterIPOverTCP: from the client pod on n1, web's cluster IP reaches
// pods on all three nodes over TCP.
func (e *svcEnv) clusterIPOverTCP(t *testing.T) {
	n1, clientPod, web, webIP, webAddr := e.n1, e.clientPod, e.web, e.webIP, e.webAddr
	// Through `shoal exec` and busybox nc, as a user would.
	script := fmt.Sprintf(`for i in $(seq 30); do printf 'GET / HTTP/1.0\r\nHost: test\r\n\r\n' | nc -w 2 %s 80 || echo FAILED; echo; done`, webIP)
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
}

// clusterIPOverUDP: the same over UDP.
func (e *svcEnv) clusterIPOverUDP(t *testing.T) {
	web, clientNS, webIP := e.web, e.clientNS, e.webIP
	// busybox has no UDP client: the test enters the client pod's
	// network namespace and sends from there.
	addr := net.JoinHostPort(webIP, "9000")
	testcluster.Eventually(t, 30*time.Second, func() error {
		as, err := askN(clientNS, 30, func() answer { return udpOnce(addr, time.Second) })
		if err != nil {
			return err
		}
		return answeredByEveryNode(as, 30, web, "UDP "+addr)
	})
}

// hairpin: a pod reaches its own service, and through it itself.
func (e *svcEnv) hairpin(t *testing.T) {
	c, solo, web, soloIP, webAddr := e.c, e.solo, e.web, e.soloIP, e.webAddr
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
}

// nodePortElsewhere: the test host reaches solo (on n1) through the
// node port of n2 and n3, which have no endpoint of it.
func (e *svcEnv) nodePortElsewhere(t *testing.T) {
	n2, n3, solo, soloNP := e.n2, e.n3, e.solo, e.soloNP
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
}

// externalLocal: with externalTrafficPolicy Local the backend sees the
// test host's address, and nodes without a local endpoint do not answer.
func (e *svcEnv) externalLocal(t *testing.T) {
	n1, n2, n3, hostIP, svcs := e.n1, e.n2, e.n3, e.hostIP, e.svcs
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
}

// loadBalancer: web-lb answers on every node's address, which its status
// lists.
func (e *svcEnv) loadBalancer(t *testing.T) {
	n3, nodeIPs, web := e.n3, e.nodeIPs, e.web
	testcluster.Eventually(t, 10*time.Second, func() error {
		out, errOut, err := n3.CLI("get", "svc", "web-lb", "-o", "json")
		if err != nil {
			return fmt.Errorf("get svc web-lb -o json: %v: %s", err, errOut)
		}
		var lb api.Service
		if err := json.Unmarshal([]byte(out), &lb); err != nil {
			return fmt.Errorf("decode get svc web-lb -o json: %v\n%s", err, out)
		}
		var ingress []string
		for _, in := range lb.Status.LoadBalancer.Ingress {
			ingress = append(ingress, in.IP)
		}
		if !sameSet(strings.Join(ingress, ","), nodeIPs) {
			return fmt.Errorf("web-lb status.loadBalancer.ingress %v, want every node's address %v", ingress, nodeIPs)
		}
		return nil
	})
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
}

// noEndpointsRefused: a service with no ready pod refuses connections
// (a reset, not a timeout), from a pod and from outside.
func (e *svcEnv) noEndpointsRefused(t *testing.T) {
	n2, svcs, clientNS := e.n2, e.svcs, e.clientNS
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
}

// rollingUpdate: a rolling update of web under constant requests through
// its cluster IP fails none of them.
func (e *svcEnv) rollingUpdate(t *testing.T) {
	n1, clientNS, webAddr := e.n1, e.clientNS, e.webAddr
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
			e.web = fresh
			return
		}
	}
	t.Errorf("no request answered by a new pod %v: %v", nodesOf(fresh), byHost)
}

// agentRestart: agents killed with SIGKILL and restarted while requests
// flow through the cluster IP fail none of them.
func (e *svcEnv) agentRestart(t *testing.T) {
	c, n1, n2, clientNS, webAddr := e.c, e.n1, e.n2, e.clientNS, e.webAddr
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
		t.Logf("%s: killed %s", time.Since(tr.started).Round(time.Millisecond), v.Name)
		time.Sleep(2 * time.Second)
		v.Restart()
		t.Logf("%s: restarted %s (API ready)", time.Since(tr.started).Round(time.Millisecond), v.Name)
		time.Sleep(3 * time.Second)
	}
	ok, byHost, fails := tr.finish()
	checkNoFailures(t, "while agents "+agentNames(victims)+" were killed and restarted", ok, byHost, fails)
}

// scaleDown: after scaling web down, the removed pod's endpoint leaves
// the rules of every node and no request reaches it.
func (e *svcEnv) scaleDown(t *testing.T) {
	c, n1, clientNS, webAddr := e.c, e.n1, e.clientNS, e.webAddr
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
}

// deleteService: a deleted service leaves nothing in any node's nftables.
func (e *svcEnv) deleteService(t *testing.T) {
	c, n2, n3, svcs, soloNP := e.c, e.n2, e.n3, e.svcs, e.soloNP
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

// udpConntrack: datagrams that keep coming from one client port, whose
// conntrack entry pins them to one pod, go to another pod once that pod
// is deleted (the entries of removed UDP endpoints are flushed).
func (e *svcEnv) udpConntrack(t *testing.T) {
	var conn *net.UDPConn
	if _, err := askN(e.clientNS, 1, func() answer {
		var err error
		conn, err = net.ListenUDP("udp", &net.UDPAddr{})
		return answer{Err: err}
	}); err != nil || conn == nil {
		t.Fatalf("UDP socket in the client pod: %v", err)
	}
	defer func() { _ = conn.Close() }()
	to := &net.UDPAddr{IP: net.ParseIP(e.webIP), Port: 9000}
	ask := func() answer {
		start := time.Now()
		_ = conn.SetDeadline(time.Now().Add(time.Second))
		if _, err := conn.WriteTo([]byte("hello"), to); err != nil {
			return answer{Err: err}
		}
		buf := make([]byte, 4096)
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			return answer{Err: err, Took: time.Since(start)}
		}
		var h hostLine
		if err := json.Unmarshal(buf[:n], &h); err != nil {
			return answer{Err: fmt.Errorf("answer %q: %w", buf[:n], err)}
		}
		return answer{Hostname: h.Hostname, Took: time.Since(start)}
	}
	var pinned string
	testcluster.Eventually(t, 20*time.Second, func() error {
		a := ask()
		pinned = a.Hostname
		return a.Err
	})
	for range 5 {
		if a := ask(); a.Hostname != pinned {
			t.Fatalf("datagrams from one client port went to %s then %v (%v): want one pod while its conntrack entry lives", pinned, a.Hostname, a.Err)
		}
	}
	start := time.Now()
	if out, errOut, err := e.n2.CLI("delete", "pod", pinned); err != nil {
		t.Fatalf("delete pod %s: %v: %s%s", pinned, err, out, errOut)
	}
	testcluster.Eventually(t, 20*time.Second, func() error {
		a := ask()
		if a.Err != nil || a.Hostname == pinned {
			return fmt.Errorf("datagrams from client port %s after deleting pod %s: answered by %q, error %v; want another web pod (conntrack entries of a removed UDP endpoint flushed)",
				conn.LocalAddr(), pinned, a.Hostname, a.Err)
		}
		t.Logf("client port %s moved from deleted pod %s to %s after %s", conn.LocalAddr(), pinned, a.Hostname, time.Since(start).Round(time.Millisecond))
		return nil
	})
}
