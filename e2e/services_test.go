package e2e

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
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

// svcEnv is what TestServices sets up and its checks use: three agents,
// the client pod and the solo backend on n1, the web pods (one per
// node) and the services with their allocated addresses.
type svcEnv struct {
	c          *testcluster.Cluster
	n1, n2, n3 *testcluster.Agent
	nodeIPs    []string
	hostIP     string // the test host's address on the agents' lan
	clientPod  *api.Pod
	solo       *api.Pod
	web        []*api.Pod
	svcs       map[string]*api.Service
	clientNS   string // the client pod's network namespace
	webIP      string // web's cluster IP
	soloIP     string // solo-np's cluster IP
	webAddr    string // web's cluster IP and HTTP port
	soloNP     int32  // solo-np's node port
}

// TestServices is issue 8's end-to-end proof: three agents in network
// namespaces with containerd, backends that report their hostname, a
// client pod on n1 and the test host on the agents' lan. The checks run
// in order: the later ones change the backends (rolling update, agent
// restarts, scale down) and delete a service.
func TestServices(t *testing.T) {
	skipShort(t)
	e := newSvcEnv(t)
	t.Run("get svc, get endpoints and describe svc", e.tables)
	t.Run("ClusterIP from a pod on n1 reaches pods on all three nodes over TCP", e.clusterIPOverTCP)
	t.Run("ClusterIP from a pod on n1 reaches pods on all three nodes over UDP", e.clusterIPOverUDP)
	t.Run("hairpin: a pod reaches its own service and itself", e.hairpin)
	t.Run("NodePort on a node with no local endpoint", e.nodePortElsewhere)
	t.Run("externalTrafficPolicy Local keeps the client IP and is not answered without a local endpoint", e.externalLocal)
	t.Run("LoadBalancer answers on every node address with status filled", e.loadBalancer)
	t.Run("a service with no ready pod is refused at once", e.noEndpointsRefused)
	t.Run("rolling update under constant requests through the ClusterIP: zero failures", e.rollingUpdate)
	t.Run("agent kill -9 and restart while traffic flows: zero failures", e.agentRestart)
	t.Run("scale down: the endpoint is gone from every node", e.scaleDown)
	t.Run("a deleted pod's UDP conntrack entries are flushed", e.udpConntrack)
	t.Run("service delete leaves nothing of it in nft", e.deleteService)
}

// newSvcEnv starts the cluster, the pods and the services and waits
// until the pods are Ready and the services have their addresses.
func newSvcEnv(t *testing.T) *svcEnv {
	t.Helper()
	c := serviceCluster(t, "n1", "n2", "n3")
	e := &svcEnv{c: c, n1: c.Agents[0], n2: c.Agents[1], n3: c.Agents[2], hostIP: c.HostIP()}
	e.nodeIPs = []string{e.n1.IP, e.n2.IP, e.n3.IP}
	e.clientPod = applyPod(t, e.n1, "client", "n1", fmt.Sprintf(busyboxContainer, "sleep 3600"))
	e.solo = applyPod(t, e.n1, "solo", "n1", fmt.Sprintf(testServerContainer, "solo"))
	apply(t, e.n1, webDeployment("v1"))
	apply(t, e.n1, []byte(servicesYAML))
	e.web = waitWeb(t, e.n1, "v1")
	e.svcs = waitServices(t, e.n1, e.nodeIPs)
	e.clientNS = podNetNS(t, c, e.clientPod)
	e.webIP, e.soloIP = e.svcs["web"].Spec.ClusterIP, e.svcs["solo-np"].Spec.ClusterIP
	e.webAddr = net.JoinHostPort(e.webIP, "80")
	e.soloNP = e.svcs["solo-np"].Spec.Ports[0].NodePort
	t.Logf("client %s on n1; solo %s (%s) on n1; web pods %v; cluster IPs web %s solo-np %s",
		e.clientPod.Name, e.solo.Name, e.solo.Status.PodIP, nodesOf(e.web), e.webIP, e.soloIP)
	return e
}

// waitWeb waits until the web Deployment runs three Ready pods of
// version, one on each of n1, n2 and n3, and returns them.
func waitWeb(t *testing.T, a *testcluster.Agent, version string) []*api.Pod {
	t.Helper()
	return waitSpread(t, a, "web", version)
}

// waitSpread waits until app runs three Ready pods of version, one on
// each of n1, n2 and n3, and returns them.
func waitSpread(t *testing.T, a *testcluster.Agent, app, version string) []*api.Pod {
	t.Helper()
	var pods []*api.Pod
	testcluster.Eventually(t, 120*time.Second, func() error {
		pods = livePods(t, a, app)
		perNode := spread(pods)
		for _, p := range pods {
			if !ready(p) || envOf(p, "VERSION") != version {
				return fmt.Errorf("%s pod %s on %s not Ready at %s: %s", app, p.Name, p.Spec.NodeName, version, briefStatus(p))
			}
		}
		if len(pods) != 3 || perNode["n1"] != 1 || perNode["n2"] != 1 || perNode["n3"] != 1 {
			return fmt.Errorf("%s pods per node %v, want one Ready pod on each of n1, n2, n3", app, perNode)
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
			s := svcOf(t, a, name)
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
