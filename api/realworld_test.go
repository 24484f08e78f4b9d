package api

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// realWorldVerdicts is what Shoal says of each manifest in
// testdata/realworld: "" for accepted, else the reasons it refuses the
// file, each a substring of the error. A change in what Shoal accepts
// shows here; e2e/realworld_test.go runs the accepted ones.
var realWorldVerdicts = map[string][]string{
	"boutique-frontend.yaml": {
		"spec.template.spec.serviceAccountName: not supported by Shoal",
		`kind: "ServiceAccount" is a Kubernetes kind not supported by Shoal`,
	},
	"boutique-productcatalog.yaml": {
		"spec.template.spec.serviceAccountName: not supported by Shoal",
		`kind: "ServiceAccount" is a Kubernetes kind not supported by Shoal`,
	},
	"guestbook.yaml":                 nil,
	"k8s-docs-configmap-pod.yaml":    nil,
	"k8s-docs-cronjob.yaml":          nil,
	"k8s-docs-daemonset.yaml":        nil,
	"k8s-docs-dapi-volume.yaml":      nil,
	"k8s-docs-exec-liveness.yaml":    nil,
	"k8s-docs-job-pi.yaml":           nil,
	"k8s-docs-nginx-deployment.yaml": nil,
	"k8s-docs-pdb.yaml":              {`kind: "PodDisruptionBudget" is a Kubernetes kind not supported by Shoal`},
	"k8s-docs-php-apache-hpa.yaml":   {`kind: "HorizontalPodAutoscaler" is a Kubernetes kind not supported by Shoal`},
	"k8s-docs-priorityclass.yaml": {
		`kind: "PriorityClass" is a Kubernetes kind not supported by Shoal`,
		"spec.priorityClassName: not supported by Shoal",
	},
	"k8s-docs-security-context.yaml": nil,
	"k8s-docs-statefulset.yaml":      nil,
	"local-path-pvc-pod.yaml":        {`kind: "PersistentVolumeClaim" is a Kubernetes kind not supported by Shoal`},
	"podinfo.yaml":                   {`kind: "HorizontalPodAutoscaler" is a Kubernetes kind not supported by Shoal`},
	"traefik-whoami.yaml":            nil,
}

func TestRealWorldManifests(t *testing.T) {
	files, err := filepath.Glob("testdata/realworld/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			want, known := realWorldVerdicts[name]
			if !known {
				t.Fatalf("no verdict for %s: add it to realWorldVerdicts", name)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Decode(data)
			if len(want) == 0 {
				if err != nil {
					t.Fatalf("got %v, want the file accepted", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted, want it refused for %q (update realWorldVerdicts if Shoal now supports it)", want)
			}
			msg := err.Error()
			for _, w := range want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not say %q:\n%s", w, msg)
				}
			}
			if got := strings.Count(msg, "\n") + 1; got != len(want) {
				t.Errorf("got %d reasons, want %d:\n%s", got, len(want), msg)
			}
		})
	}
	for name := range realWorldVerdicts {
		if !seen[name] {
			t.Errorf("verdict for %s, which is not in testdata/realworld", name)
		}
	}
}
