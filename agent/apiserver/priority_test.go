package apiserver

import (
	"net/http"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

const highClass = `apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
preemptionPolicy: Never
`

// priorityPod is a bare pod whose spec starts with extra.
func priorityPod(name, extra string) string {
	return `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `}
spec:
  ` + extra + `
  containers: [{name: c, image: busybox}]
`
}

func TestPriorityAdmission(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantCode int
		wantErr  string
		// wantPriority is the stored pod's spec.priority (-1: none).
		wantPriority int32
	}{
		{"class in the same manifest", highClass + "---\n" + priorityPod("p", "priorityClassName: high"), 200, "", 1000},
		{"built-in class", priorityPod("p", "priorityClassName: system-cluster-critical"), 200, "", api.SystemCriticalPriority},
		{"no class", priorityPod("p", "hostname: p"), 200, "", -1},
		{"global default", strings.Replace(highClass, "value: 1000", "value: 1000\nglobalDefault: true", 1) + "---\n" + priorityPod("p", "hostname: p"), 200, "", 1000},
		{"unknown class", priorityPod("p", "priorityClassName: gold"), 400, `document 1 (Pod "p"): spec.priorityClassName: no PriorityClass named "gold"`, 0},
		{"unknown class in a template", `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      priorityClassName: gold
      containers: [{name: c, image: busybox}]
`, 400, `document 1 (Deployment "web"): spec.template.spec.priorityClassName: no PriorityClass named "gold"`, 0},
		{"priority differs", highClass + "---\n" + priorityPod("p", "priorityClassName: high\n  priority: 7"), 400, `document 2 (Pod "p"): spec.priority: 7 must not be set in the pod spec; the PriorityClass gives 1000`, 0},
		{"two defaults", strings.Replace(highClass, "value: 1000", "value: 1000\nglobalDefault: true", 1) + "---\n" +
			strings.Replace(strings.Replace(highClass, "high", "low", 1), "value: 1000", "value: 1\nglobalDefault: true", 1), 400, "globalDefault: only one class may be the default, got 2 ([high low])", 0},
		{"system name refused", strings.Replace(highClass, "name: high", "name: system-high", 1), 400, `reserved for the built-in classes`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, c := testServer(t)
			code, body := c.do(http.MethodPost, "/v1/apply", tt.body)
			if code != tt.wantCode || !strings.Contains(strings.ReplaceAll(string(body), `\"`, `"`), tt.wantErr) {
				t.Fatalf("got %d %s, want %d containing %q", code, body, tt.wantCode, tt.wantErr)
			}
			if code != 200 {
				return
			}
			o, ok := st.Get("Pod", "default", "p")
			if !ok {
				t.Fatal("pod p not stored")
			}
			got := int32(-1)
			if pr := o.(*api.Pod).Spec.Priority; pr != nil {
				got = *pr
			}
			if got != tt.wantPriority {
				t.Errorf("got stored spec.priority %d, want %d", got, tt.wantPriority)
			}
			// Applying the same manifest again changes nothing.
			if code, body := c.do(http.MethodPost, "/v1/apply", tt.body); code != 200 || strings.Contains(string(body), "configured") {
				t.Errorf("second apply: got %d %s, want 200 with nothing configured", code, body)
			}
		})
	}
}

func TestPriorityClassUpdate(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantCode int
		wantErr  string
	}{
		{"same value", highClass, 200, ""},
		{"new description", strings.Replace(highClass, "value: 1000", "value: 1000\ndescription: x", 1), 200, ""},
		{"new value", strings.Replace(highClass, "value: 1000", "value: 2000", 1), 400, `document 1 (PriorityClass "high"): value: may not be changed from 1000 to 2000`},
		{"new policy", strings.Replace(highClass, "preemptionPolicy: Never", "preemptionPolicy: PreemptLowerPriority", 1), 400, `document 1 (PriorityClass "high"): preemptionPolicy: may not be changed from Never to PreemptLowerPriority`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := testServer(t)
			if code, body := c.do(http.MethodPost, "/v1/apply", highClass); code != 200 {
				t.Fatalf("first apply: got %d %s, want 200", code, body)
			}
			code, body := c.do(http.MethodPost, "/v1/apply", tt.body)
			if code != tt.wantCode || !strings.Contains(strings.ReplaceAll(string(body), `\"`, `"`), tt.wantErr) {
				t.Errorf("got %d %s, want %d containing %q", code, body, tt.wantCode, tt.wantErr)
			}
		})
	}
}
