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

// ingressManifest is an Ingress routing host to web:80; class "" leaves
// ingressClassName unset.
func ingressManifest(name, class, host string) string {
	cls := ""
	if class != "" {
		cls = "\n  ingressClassName: " + class
	}
	return fmt.Sprintf(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: %s
spec:%s
  rules:
  - host: %s
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`, name, cls, host)
}

// TestIngressStatusAndConflicts runs the leader's ingress stage in a real
// agent: our Ingresses get the node's address in their status (another
// controller's do not), a rule that loses to an older Ingress's is a
// RuleConflict Warning on the loser, and the CLI shows both.
func TestIngressStatusAndConflicts(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 1)
	a := c.Agents[0]
	cl := a.Client()
	if err := applyErr(t, cl, ingressManifest("first", "", "app.example.com")); err != nil {
		t.Fatalf("apply first: %v", err)
	}
	// "first" wins: it is older, or, created in the same second, first
	// by namespace/name.
	manifest := ingressManifest("second", "shoal", "app.example.com") + "---\n" +
		ingressManifest("theirs", "nginx", "app.example.com") + "---\n" +
		"apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx}\nspec: {controller: k8s.io/ingress-nginx}\n"
	if err := applyErr(t, cl, manifest); err != nil {
		t.Fatalf("apply: %v", err)
	}
	addrs := func(name string) ([]api.LoadBalancerIngress, error) {
		o, err := getObject(cl, "ingresses", "default", name)
		if err != nil {
			return nil, err
		}
		return o.(*api.Ingress).Status.LoadBalancer.Ingress, nil
	}
	want := []api.LoadBalancerIngress{{IP: "127.0.0.1"}}
	for _, name := range []string{"first", "second"} {
		testcluster.Eventually(t, 10*time.Second, func() error {
			got, err := addrs(name)
			if err == nil && !slices.Equal(got, want) {
				err = fmt.Errorf("Ingress %s status %+v, want %+v", name, got, want)
			}
			return err
		})
	}
	testcluster.Eventually(t, 10*time.Second, func() error {
		objs, err := listObjects(cl, "events", "default")
		if err != nil {
			return err
		}
		var got []string
		for _, o := range objs {
			if e := o.(*api.Event); e.InvolvedObject.Kind == "Ingress" {
				got = append(got, e.InvolvedObject.Name+" "+e.Type+" "+e.Reason+": "+e.Message)
			}
		}
		if len(got) != 1 || !strings.HasPrefix(got[0], "second Warning RuleConflict: ") || !strings.Contains(got[0], "Ingress default/first") {
			return fmt.Errorf("ingress events %q, want one RuleConflict Warning on second naming default/first", got)
		}
		return nil
	})
	if got, err := addrs("theirs"); err != nil || len(got) != 0 {
		t.Errorf("another controller's Ingress: status %+v (%v), want none written", got, err)
	}

	out, errOut, err := a.CLI("get", "ing")
	if err != nil {
		t.Fatalf("shoal get ing: %v: %s", err, errOut)
	}
	for _, w := range []string{"NAME ", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE", "first    <none>", "second   shoal", "theirs   nginx", "app.example.com   127.0.0.1   80"} {
		if !strings.Contains(out, w) {
			t.Errorf("shoal get ing: got\n%s\nwant it to contain %q", out, w)
		}
	}
	out, errOut, err = a.CLI("describe", "ingress", "second")
	if err != nil {
		t.Fatalf("shoal describe ingress: %v: %s", err, errOut)
	}
	for _, w := range []string{"Address:          127.0.0.1", "web:80 (<error: service \"web\" not found>)", "RuleConflict"} {
		if !strings.Contains(out, w) {
			t.Errorf("shoal describe ingress second: got\n%s\nwant it to contain %q", out, w)
		}
	}

	bad := "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: tuned}\nspec:\n  controller: shoal.dev/ingress\n  parameters: {kind: Params, name: x}\n"
	if _, errOut, err := a.CLIWithInput([]byte(bad), "apply", "-f", "-"); err == nil || !strings.Contains(errOut, `spec.parameters: not supported by Shoal`) {
		t.Errorf("apply an IngressClass with parameters: err %v, stderr %q; want an error naming spec.parameters", err, errOut)
	}
}

func getObject(cl *client.Client, plural, ns, name string) (api.Object, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return cl.Get(ctx, plural, ns, name)
}

func listObjects(cl *client.Client, plural, ns string) ([]api.Object, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return cl.List(ctx, plural, ns, "")
}
