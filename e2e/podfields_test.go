package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// podFieldsYAML is a bare pod that prints what its pod-level fields gave
// it: resolv.conf from dnsConfig, /etc/hosts from hostAliases, safe
// sysctls, supplementalGroups, and the files of a projected volume (a
// ConfigMap, a Secret and the downward API) and a downwardAPI volume.
const podFieldsYAML = `apiVersion: v1
kind: ConfigMap
metadata: {name: fields-cfg}
data: {app.conf: "greeting=hello"}
---
apiVersion: v1
kind: Secret
metadata: {name: fields-sec}
stringData: {pw: s3cret}
---
apiVersion: v1
kind: Pod
metadata: {name: fields, labels: {app: fields, tier: front}}
spec:
  nodeSelector: {kubernetes.io/hostname: n1}
  dnsConfig:
    nameservers: [192.0.2.1]
    searches: [corp.example]
    options: [{name: ndots, value: "2"}, {name: edns0}]
  hostAliases:
  - {ip: 192.0.2.7, hostnames: [db.local, cache.local]}
  securityContext:
    supplementalGroups: [4242]
    sysctls:
    - {name: net.ipv4.ip_local_port_range, value: "40000 41000"}
    - {name: kernel.shm_rmid_forced, value: "1"}
  volumes:
  - name: all
    projected:
      sources:
      - configMap: {name: fields-cfg, items: [{key: app.conf, path: conf/app.conf}]}
      - secret: {name: fields-sec}
      - downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}, {path: name, fieldRef: {fieldPath: metadata.name}}]}
  - name: meta
    downwardAPI: {items: [{path: ns, fieldRef: {fieldPath: metadata.namespace}}]}
  containers:
  - name: sh
    image: shoal.local/busybox:1
    volumeMounts: [{name: all, mountPath: /etc/all}, {name: meta, mountPath: /etc/meta}]
    command: ["sh", "-c", "cat /etc/resolv.conf /etc/hosts; echo range=$(cat /proc/sys/net/ipv4/ip_local_port_range) shm=$(cat /proc/sys/kernel/shm_rmid_forced); echo groups=$(id -G); echo conf=$(cat /etc/all/conf/app.conf) pw=$(cat /etc/all/pw) name=$(cat /etc/all/name) ns=$(cat /etc/meta/ns); cat /etc/all/labels; echo; touch /etc/all/x 2>/dev/null || echo read-only; echo END; sleep 3600"]
`

// hostNetworkYAML is a privileged namespace with a hostNetwork pod: a
// test server on a node port and a shell that lists the network
// interfaces it sees; %[1]s is the pod's name.
const hostNetworkYAML = `apiVersion: v1
kind: Namespace
metadata: {name: hostns, labels: {pod-security.kubernetes.io/enforce: privileged}}
---
apiVersion: v1
kind: Pod
metadata: {name: %[1]s, namespace: hostns}
spec:
  nodeSelector: {kubernetes.io/hostname: n1}
  hostNetwork: true
  dnsPolicy: ClusterFirstWithHostNet
  terminationGracePeriodSeconds: 2
  containers:
  - name: web
    image: shoal.local/testserver:1
    ports: [{containerPort: 18081}]
    env: [{name: PORT, value: "18081"}, {name: MARKER, value: hostnet}]
  - name: sh
    image: shoal.local/busybox:1
    command: ["sh", "-c", "cat /proc/net/dev; echo msgmax=$(cat /proc/sys/kernel/msgmax); cat /etc/resolv.conf; echo END; sleep 3600"]
  securityContext:
    sysctls: [{name: kernel.msgmax, value: "65536"}]
`

// TestPodFields runs pods with the pod-level fields of issue 12 on real
// agents: dnsConfig and hostAliases in the pod's resolv.conf and hosts,
// sysctls and supplementalGroups applied, a hostNetwork pod on the node's
// interfaces and address, and the Pod Security level refusing host
// namespaces and unsafe sysctls where it should.
func TestPodFields(t *testing.T) {
	c := podCluster(t, "n1")
	n1 := c.Agents[0]
	ctx := context.Background()

	t.Run("dnsConfig, hostAliases, sysctls, supplementalGroups, projected volume", func(t *testing.T) {
		if out, stderr, err := n1.CLIWithInput([]byte(podFieldsYAML), "apply", "-f", "-"); err != nil {
			t.Fatalf("apply: %v\n%s%s", err, out, stderr)
		}
		out := waitLogs(t, n1, "default", "fields", "sh", "END")
		for _, want := range []string{
			"nameserver 10.42.", // the cluster DNS on the node's bridge, then dnsConfig's
			"\nnameserver 192.0.2.1\nsearch default.svc.cluster.local svc.cluster.local cluster.local corp.example\noptions ndots:2 edns0\n",
			"\n# Entries added by HostAliases.\n192.0.2.7\tdb.local\tcache.local\n",
			"range=40000 41000 shm=1\n",
			"conf=greeting=hello pw=s3cret name=fields ns=default\n",
			"app=\"fields\"\ntier=\"front\"\n",
			"read-only\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("pod's output lacks %q:\n%s", want, out)
			}
		}
		if !containsLine(out, "groups=") || !strings.Contains(out, " 4242") {
			t.Errorf("pod's groups lack supplementalGroup 4242:\n%s", out)
		}
	})

	t.Run("baseline refuses host namespaces and unsafe sysctls", func(t *testing.T) {
		bad := strings.Replace(podFieldsYAML, "  hostAliases:", "  hostNetwork: true\n  hostPID: true\n  hostAliases:", 1)
		bad = strings.Replace(bad, "metadata: {name: fields,", "metadata: {name: fields2,", 1)
		bad = strings.Replace(bad, "net.ipv4.ip_local_port_range, value: \"40000 41000\"", "kernel.msgmax, value: \"65536\"", 1)
		_, stderr, err := n1.CLIWithInput([]byte(bad), "apply", "-f", "-")
		for _, want := range []string{
			`violates PodSecurity "baseline:latest" in namespace "default"`,
			"host namespaces (hostNetwork=true, hostPID=true)",
			"forbidden sysctls (kernel.msgmax;",
		} {
			if err == nil || !strings.Contains(stderr, want) {
				t.Errorf("apply: got %v %q, want an error containing %q", err, stderr, want)
			}
		}
		if _, stderr, err := n1.CLIWithInput([]byte(strings.Replace(podFieldsYAML, "metadata: {name: fields,", "metadata: {name: fields3,", 1)+
			"  hostNetwork: true\n"), "apply", "-f", "-"); err == nil || !strings.Contains(stderr, `sysctl "net.ipv4.ip_local_port_range" may not be set with hostNetwork`) {
			t.Errorf("net sysctl with hostNetwork: got %v %q, want it refused", err, stderr)
		}
	})

	t.Run("hostNetwork in a privileged namespace", func(t *testing.T) {
		if out, stderr, err := n1.CLIWithInput([]byte(fmt.Sprintf(hostNetworkYAML, "hostnet")), "apply", "-f", "-"); err != nil {
			t.Fatalf("apply: %v\n%s%s", err, out, stderr)
		}
		out := waitLogs(t, n1, "hostns", "hostnet", "sh", "END")
		// The node's pod bridge is in the node's network namespace only.
		if !strings.Contains(out, "shoal0:") {
			t.Errorf("hostNetwork pod does not see the node's interfaces (no shoal0):\n%s", out)
		}
		// A sysctl outside the safe set, allowed at level privileged.
		if !strings.Contains(out, "msgmax=65536\n") {
			t.Errorf("kernel.msgmax not applied:\n%s", out)
		}
		// ClusterFirstWithHostNet: the cluster DNS and search path.
		if !strings.Contains(out, "search hostns.svc.cluster.local svc.cluster.local cluster.local\n") {
			t.Errorf("hostNetwork pod with ClusterFirstWithHostNet lacks the cluster search path:\n%s", out)
		}
		testcluster.Eventually(t, 60*time.Second, func() error {
			res, err := http.Get("http://" + net.JoinHostPort(n1.IP, "18081") + "/")
			if err != nil {
				return err
			}
			return res.Body.Close()
		})
		o, err := n1.Client().Get(ctx, "pods", "hostns", "hostnet")
		if err != nil {
			t.Fatal(err)
		}
		if p := o.(*api.Pod); p.Status.PodIP != n1.IP {
			t.Errorf("hostNetwork pod IP: got %q, want the node's %s", p.Status.PodIP, n1.IP)
		}
	})

	t.Run("a second hostNetwork pod on the same port waits", func(t *testing.T) {
		if out, stderr, err := n1.CLIWithInput([]byte(fmt.Sprintf(hostNetworkYAML, "hostnet2")), "apply", "-f", "-"); err != nil {
			t.Fatalf("apply: %v\n%s%s", err, out, stderr)
		}
		testcluster.Eventually(t, 60*time.Second, func() error {
			o, err := n1.Client().Get(ctx, "pods", "hostns", "hostnet2")
			if err != nil {
				return err
			}
			p := o.(*api.Pod)
			for _, cond := range p.Status.Conditions {
				if cond.Type == api.PodScheduled && cond.Status == api.ConditionFalse && strings.Contains(cond.Message, "free ports") {
					return nil
				}
			}
			return fmt.Errorf("node %q, conditions %+v: want unschedulable for lack of free ports", p.Spec.NodeName, p.Status.Conditions)
		})
	})
}

// waitLogs waits until container's log in pod holds until and returns it.
func waitLogs(t *testing.T, a *testcluster.Agent, ns, pod, container, until string) string {
	t.Helper()
	var out string
	testcluster.Eventually(t, 120*time.Second, func() error {
		o, stderr, err := a.CLI("logs", "-n", ns, pod, "-c", container)
		if err != nil || !strings.Contains(o, until) {
			return fmt.Errorf("logs %s/%s: %v %q %s", ns, pod, err, o, stderr)
		}
		out = o
		return nil
	})
	return out
}

// TestImagePullSecrets pulls from a registry behind basic auth: a pod
// whose pull Secret is missing gets kubelet's event and ErrImagePull (or
// its back-off), and runs once the Secret is applied.
func TestImagePullSecrets(t *testing.T) {
	c := testcluster.NewNetNS(t)
	regAddr := startRegistry(t, c.HostIP())
	ln, err := net.Listen("tcp", net.JoinHostPort(c.HostIP(), "0"))
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse("http://" + regAddr)
	proxy := httputil.NewSingleHostReverseProxy(target)
	guard := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if u, p, ok := req.BasicAuth(); !ok || u != "alice" || p != "s3cret" {
			w.Header().Set("WWW-Authenticate", `Basic realm="private"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		proxy.ServeHTTP(w, req)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = guard.Serve(ln) }()
	t.Cleanup(func() { _ = guard.Close() })
	guarded := ln.Addr().String()
	c.Args = append(c.Args, "--insecure-registry", guarded)
	n1 := c.Add("n1")
	pushed := pushTestServer(t, regAddr)
	ref := guarded + strings.TrimPrefix(pushed, regAddr)

	pod := fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: private}
spec:
  imagePullSecrets: [{name: regcred}]
  containers: [{name: web, image: %s, imagePullPolicy: Always}]
`, ref)
	if out, stderr, err := n1.CLIWithInput([]byte(pod), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply: %v\n%s%s", err, out, stderr)
	}
	testcluster.Eventually(t, 90*time.Second, func() error {
		o, err := n1.Client().Get(context.Background(), "pods", "default", "private")
		if err != nil {
			return err
		}
		p := o.(*api.Pod)
		if len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].State.Waiting == nil {
			return fmt.Errorf("status %s: want the container waiting", briefStatus(p))
		}
		if r := p.Status.ContainerStatuses[0].State.Waiting.Reason; r != "ErrImagePull" && r != "ImagePullBackOff" {
			return fmt.Errorf("waiting reason %q, want ErrImagePull or ImagePullBackOff", r)
		}
		out, _, err := n1.CLI("describe", "pod", "private")
		if err != nil || !strings.Contains(out, "Unable to retrieve some image pull secrets (regcred (not found))") {
			return fmt.Errorf("describe pod lacks the missing secret's event: %v\n%s", err, out)
		}
		return nil
	})

	auth := base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))
	secret := fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata: {name: regcred}
type: kubernetes.io/dockerconfigjson
stringData:
  .dockerconfigjson: '{"auths": {"%s": {"auth": "%s"}}}'
`, guarded, auth)
	if out, stderr, err := n1.CLIWithInput([]byte(secret), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply secret: %v\n%s%s", err, out, stderr)
	}
	testcluster.Eventually(t, 120*time.Second, func() error {
		o, err := n1.Client().Get(context.Background(), "pods", "default", "private")
		if err != nil {
			return err
		}
		if p := o.(*api.Pod); p.Status.Phase != api.PodRunning {
			return fmt.Errorf("status %s: want Running once the secret exists", briefStatus(p))
		}
		return nil
	})
}
