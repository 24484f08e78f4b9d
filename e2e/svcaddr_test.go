package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// service is a Service manifest with one TCP port 80 (plus extra spec
// lines, indented four spaces).
func service(name, typ, extra string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Service
metadata:
  name: %s
spec:
  type: %s
  selector: {app: %s}
  ports:
  - port: 80%s
`, name, typ, name, extra)
}

func getService(t *testing.T, cl *client.Client, name string) *api.Service {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	o, err := cl.Get(ctx, "services", "default", name)
	if err != nil {
		t.Fatalf("get service %s: %v", name, err)
	}
	return o.(*api.Service)
}

// waitService waits until the named service satisfies ok.
func waitService(t *testing.T, cl *client.Client, name string, ok func(*api.Service) error) *api.Service {
	t.Helper()
	var s *api.Service
	testcluster.Eventually(t, 10*time.Second, func() error {
		s = getService(t, cl, name)
		return ok(s)
	})
	return s
}

func applyErr(t *testing.T, cl *client.Client, manifest string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := cl.Apply(ctx, []byte(manifest))
	return err
}

func allocated(s *api.Service) error {
	if s.Spec.ClusterIP == "" || len(s.Spec.Ports) == 0 || s.HasNodePorts() && s.Spec.Ports[0].NodePort == 0 {
		return fmt.Errorf("got clusterIP %q ports %+v, want allocated", s.Spec.ClusterIP, s.Spec.Ports)
	}
	return nil
}

func TestServiceAddresses(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 1, "--service-cidr", "10.96.0.0/24", "--node-port-range", "31000-31999")
	cl := c.Agents[0].Client()
	if err := applyErr(t, cl, service("web", "NodePort", "")+"---\n"+service("lb", "LoadBalancer", "")); err != nil {
		t.Fatalf("apply: %v", err)
	}
	web := waitService(t, cl, "web", allocated)
	lb := waitService(t, cl, "lb", func(s *api.Service) error {
		if err := allocated(s); err != nil {
			return err
		}
		if len(s.Status.LoadBalancer.Ingress) != 1 || s.Status.LoadBalancer.Ingress[0].IP != "127.0.0.1" {
			return fmt.Errorf("got ingress %+v, want 127.0.0.1", s.Status.LoadBalancer.Ingress)
		}
		return nil
	})
	if np := web.Spec.Ports[0].NodePort; np < 31000 || np > 31999 {
		t.Errorf("web: got node port %d, want one of 31000-31999", np)
	}
	if !strings.HasPrefix(web.Spec.ClusterIP, "10.96.0.") || !slices.Equal(web.Spec.ClusterIPs, []string{web.Spec.ClusterIP}) {
		t.Errorf("web: got clusterIP %q clusterIPs %q, want one address of 10.96.0.0/24", web.Spec.ClusterIP, web.Spec.ClusterIPs)
	}

	t.Run("re-apply keeps the addresses", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		report, err := cl.Apply(ctx, []byte(service("web", "NodePort", "")))
		if err != nil {
			t.Fatalf("apply: %v", err)
		}
		if len(report) != 1 || report[0].Action != "unchanged" {
			t.Errorf("got report %+v, want web unchanged", report)
		}
		again := getService(t, cl, "web")
		if again.Spec.ClusterIP != web.Spec.ClusterIP || again.Spec.Ports[0].NodePort != web.Spec.Ports[0].NodePort || again.ResourceVersion != web.ResourceVersion {
			t.Errorf("got %s :%d rv %s, want %s :%d rv %s", again.Spec.ClusterIP, again.Spec.Ports[0].NodePort, again.ResourceVersion,
				web.Spec.ClusterIP, web.Spec.Ports[0].NodePort, web.ResourceVersion)
		}
	})

	t.Run("a user's load-balancer status is ignored", func(t *testing.T) {
		err := applyErr(t, cl, service("lb", "LoadBalancer", "")+"status:\n  loadBalancer:\n    ingress: [{ip: 192.0.2.99}]\n")
		if err != nil {
			t.Fatalf("apply: %v", err)
		}
		if got := getService(t, cl, "lb").Status.LoadBalancer.Ingress; len(got) != 1 || got[0].IP != "127.0.0.1" {
			t.Errorf("got ingress %+v, want 127.0.0.1 only", got)
		}
	})

	refused := []struct {
		name     string
		manifest string
		want     []string
	}{
		{"changing the cluster IP", service("web", "NodePort", "\n  clusterIP: 10.96.0.200"), []string{`Service "web"`, "spec.clusterIP", "immutable"}},
		{"another service's cluster IP", service("other", "ClusterIP", "\n  clusterIP: "+web.Spec.ClusterIP), []string{`Service "other"`, "already used by service default/web"}},
		{"a cluster IP outside the service CIDR", service("other", "ClusterIP", "\n  clusterIP: 10.43.0.5"), []string{"not in the service CIDR 10.96.0.0/24"}},
		{"another service's node port", service("other", "NodePort", fmt.Sprintf("\n    nodePort: %d", web.Spec.Ports[0].NodePort)), []string{"spec.ports[0].nodePort", "already used by service default/web"}},
		{"a node port outside the range", service("other", "NodePort", "\n    nodePort: 30000"), []string{"outside the node-port range 31000-31999"}},
		{"the whole file when one object is refused", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n---\n" + service("other", "ClusterIP", "\n  clusterIP: "+lb.Spec.ClusterIP), []string{`document 2 (Service "other")`, "default/lb"}},
	}
	for _, tt := range refused {
		t.Run("refused: "+tt.name, func(t *testing.T) {
			err := applyErr(t, cl, tt.manifest)
			if err == nil {
				t.Fatalf("got no error, want one mentioning %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got error %q, want it to mention %q", err, w)
				}
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, k := range []struct{ res, name string }{{"services", "other"}, {"configmaps", "cm"}} {
		if _, err := cl.Get(ctx, k.res, "default", k.name); err == nil {
			t.Errorf("got %s %s stored, want nothing of the refused applies", k.res, k.name)
		}
	}

	t.Run("a load balancer whose port is taken stays pending with an event", func(t *testing.T) {
		if err := applyErr(t, cl, service("lb2", "LoadBalancer", "")); err != nil {
			t.Fatalf("apply: %v", err)
		}
		waitService(t, cl, "lb2", allocated)
		testcluster.Eventually(t, 10*time.Second, func() error {
			evs, err := cl.List(ctx, "events", "default", "")
			if err != nil {
				return err
			}
			for _, o := range evs {
				if e := o.(*api.Event); e.InvolvedObject.Name == "lb2" && e.Reason == "PortInUse" && strings.Contains(e.Message, "default/lb") {
					return nil
				}
			}
			return fmt.Errorf("no PortInUse event about lb2 among %d events", len(evs))
		})
		if got := getService(t, cl, "lb2").Status.LoadBalancer.Ingress; got != nil {
			t.Errorf("lb2: got ingress %+v, want none while pending", got)
		}
	})

	t.Run("a deleted service's addresses are free again", func(t *testing.T) {
		if err := cl.Delete(ctx, "services", "default", "web"); err != nil {
			t.Fatal(err)
		}
		manifest := service("reuse", "NodePort", fmt.Sprintf("\n    nodePort: %d\n  clusterIP: %s", web.Spec.Ports[0].NodePort, web.Spec.ClusterIP))
		if err := applyErr(t, cl, manifest); err != nil {
			t.Fatalf("apply: %v", err)
		}
		got := waitService(t, cl, "reuse", allocated)
		if got.Spec.ClusterIP != web.Spec.ClusterIP || got.Spec.Ports[0].NodePort != web.Spec.Ports[0].NodePort {
			t.Errorf("got %s :%d, want the freed %s :%d", got.Spec.ClusterIP, got.Spec.Ports[0].NodePort, web.Spec.ClusterIP, web.Spec.Ports[0].NodePort)
		}
	})
}
