package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
	"github.com/shoal-dev/shoal/internal/testimage"
)

// realWorldDir holds manifests as their projects publish them; the api
// package's TestRealWorldManifests pins which ones Shoal accepts.
const realWorldDir = "../api/testdata/realworld"

// TestRealWorldManifests applies every real-world manifest Shoal accepts
// to a two-node cluster, each file in a namespace of its own (or the one
// it names), with only its images replaced by local stand-ins, and checks
// that what it describes runs: every workload's pods Ready, every Job
// complete, every CronJob runnable, and every Service answering by its
// short name from a pod of the same file.
func TestRealWorldManifests(t *testing.T) {
	skipShort(t)
	files, err := filepath.Glob(filepath.Join(realWorldDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s: %v", realWorldDir, err)
	}
	c := podCluster(t, "n1", "n2")
	n1, n2 := c.Agents[0], c.Agents[1]
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := api.Decode(data); err != nil {
			t.Logf("%s: refused, not run: %v", name, firstLine(err.Error()))
			continue
		}
		t.Run(name, func(t *testing.T) {
			rw, ns, err := withStandIns(data)
			if err != nil {
				t.Fatal(err)
			}
			objs, err := api.Decode(rw)
			if err != nil {
				t.Fatalf("the file with stand-in images is refused: %v", err)
			}
			args := []string{"apply", "-f", "-"}
			if ns == "" {
				ns = "rw-" + name
				args = append(args, "-n", ns)
			}
			ensureNamespace(t, n1, ns)
			if out, errOut, err := n1.CLIWithInput(rw, args...); err != nil {
				t.Fatalf("apply: %v: %s%s", err, out, errOut)
			}
			checkRuns(t, c, n2, ns, objs)
		})
	}
}

// withStandIns rewrites every container of a multi-document manifest to
// run a local test image, and changes nothing else:
//   - busybox and alpine images become shoal.local/busybox:1, command kept;
//   - perl (the Job computing pi) becomes busybox printing pi;
//   - every other image becomes the test server (an HTTP server) without
//     the image's own command, listening on the container's first
//     containerPort unless the manifest sets PORT itself.
//
// It also returns the namespace the file's objects name, if any.
func withStandIns(data []byte) (_ []byte, namespace string, _ error) {
	var out []string
	for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
		j, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			return nil, "", fmt.Errorf("document %d: %w", i+1, err)
		}
		var tree any
		if err := json.Unmarshal(j, &tree); err != nil {
			return nil, "", fmt.Errorf("document %d: %w", i+1, err)
		}
		if tree == nil {
			continue
		}
		if meta, ok := tree.(map[string]any)["metadata"].(map[string]any); ok && meta["namespace"] != nil {
			namespace, _ = meta["namespace"].(string)
		}
		eachContainer(tree, standIn)
		b, err := yaml.Marshal(tree)
		if err != nil {
			return nil, "", err
		}
		out = append(out, string(b))
	}
	return []byte(strings.Join(out, "---\n")), namespace, nil
}

// eachContainer calls f on every object in a "containers" or
// "initContainers" list anywhere in tree.
func eachContainer(tree any, f func(map[string]any)) {
	switch v := tree.(type) {
	case map[string]any:
		for k, sub := range v {
			if list, ok := sub.([]any); ok && (k == "containers" || k == "initContainers") {
				for _, c := range list {
					if m, ok := c.(map[string]any); ok {
						f(m)
					}
				}
				continue
			}
			eachContainer(sub, f)
		}
	case []any:
		for _, sub := range v {
			eachContainer(sub, f)
		}
	}
}

func standIn(c map[string]any) {
	image, _ := c["image"].(string)
	switch {
	case strings.Contains(image, "busybox") || strings.HasPrefix(image, "alpine"):
		c["image"] = testimage.BusyboxRef
	case strings.HasPrefix(image, "perl"):
		c["image"] = testimage.BusyboxRef
		c["command"] = []any{"sh", "-c", "echo 3.14159265358979323846"}
	default:
		c["image"] = testimage.TestServerRef
		delete(c, "command")
		delete(c, "args")
		env, _ := c["env"].([]any)
		for _, e := range env {
			if m, ok := e.(map[string]any); ok && m["name"] == "PORT" {
				return
			}
		}
		if ports, ok := c["ports"].([]any); ok && len(ports) > 0 {
			if p, ok := ports[0].(map[string]any)["containerPort"].(float64); ok {
				c["env"] = append(env, map[string]any{"name": "PORT", "value": strconv.Itoa(int(p))})
			}
		}
	}
}

// ensureNamespace creates ns. kube-system gets the privileged Pod
// Security level it has in Kubernetes clusters (where an unlabelled
// namespace is privileged; in Shoal the default level is baseline).
func ensureNamespace(t *testing.T, a *testcluster.Agent, ns string) {
	t.Helper()
	labels := ""
	if ns == "kube-system" {
		labels = "\n  labels: {" + api.PodSecurityEnforceLabel + ": privileged}"
	}
	apply(t, a, []byte(fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s%s\n", ns, labels)))
}

// checkRuns waits until what objs describe runs in ns.
func checkRuns(t *testing.T, c *testcluster.Cluster, a *testcluster.Agent, ns string, objs []api.Object) {
	t.Helper()
	wantPods := 0
	var jobs, cronJobs []string
	var services []*api.Service
	for _, o := range objs {
		switch o := o.(type) {
		case *api.Deployment:
			wantPods += int(replicasOr1(o.Spec.Replicas))
		case *api.StatefulSet:
			wantPods += int(replicasOr1(o.Spec.Replicas))
		case *api.DaemonSet:
			wantPods += len(c.Agents)
		case *api.Pod:
			wantPods++
		case *api.Job:
			jobs = append(jobs, o.Name)
		case *api.CronJob:
			cronJobs = append(cronJobs, o.Name)
		case *api.Service:
			services = append(services, o)
		}
	}
	for _, cj := range cronJobs {
		if out, errOut, err := a.CLI("create", "job", cj+"-now", "--from=cronjob/"+cj, "-n", ns); err != nil {
			t.Fatalf("create job --from=cronjob/%s: %v: %s%s", cj, err, out, errOut)
		}
		jobs = append(jobs, cj+"-now")
	}
	for _, j := range jobs {
		waitJobIn(t, a, ns, j)
	}
	var running []*api.Pod
	testcluster.Eventually(t, 180*time.Second, func() error {
		objs, err := a.Client().List(context.Background(), "pods", ns, "")
		if err != nil {
			return err
		}
		running = running[:0]
		var notReady []string
		for _, o := range objs {
			p := o.(*api.Pod)
			if p.Labels[api.LabelJobName] != "" {
				continue
			}
			if !ready(p) {
				notReady = append(notReady, p.Name+" "+briefStatus(p))
				continue
			}
			running = append(running, p)
		}
		if len(running) < wantPods {
			return fmt.Errorf("%d of %d pods Ready; not Ready: %v", len(running), wantPods, notReady)
		}
		return nil
	})
	t.Logf("%d pods Ready in %s (%v), %d jobs complete", len(running), ns, podNames(running), len(jobs))
	var client *api.Pod
	for _, p := range running {
		if p.Spec.Containers[0].Image == testimage.TestServerRef {
			client = p
			break
		}
	}
	for _, s := range services {
		if client == nil || len(s.Spec.Ports) == 0 {
			continue
		}
		url := fmt.Sprintf("http://%s:%d/", s.Name, s.Spec.Ports[0].Port)
		testcluster.Eventually(t, 60*time.Second, func() error {
			out, errOut, err := a.CLI("exec", client.Name, "-n", ns, "--", "/testserver", "get", url)
			if err != nil {
				return fmt.Errorf("get %s from pod %s: %v: %s%s", url, client.Name, err, out, errOut)
			}
			return nil
		})
	}
}

func replicasOr1(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

// waitJobIn waits until job name in ns completes.
func waitJobIn(t *testing.T, a *testcluster.Agent, ns, name string) {
	t.Helper()
	testcluster.Eventually(t, 120*time.Second, func() error {
		o, err := a.Client().Get(context.Background(), "jobs", ns, name)
		if err != nil {
			return err
		}
		j := o.(*api.Job)
		if kind, done := j.Status.Finished(); !done || kind != api.JobComplete {
			return fmt.Errorf("job %s not complete (%s): active %d succeeded %d failed %d", name, kind, j.Status.Active, j.Status.Succeeded, j.Status.Failed)
		}
		return nil
	})
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}
