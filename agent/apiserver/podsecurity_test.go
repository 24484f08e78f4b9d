package apiserver

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func namespaceWithLevel(name, level string) *api.Namespace {
	ns := &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: api.ObjectMeta{Name: name},
		Status: api.NamespaceStatus{Phase: api.NamespaceActive}}
	if level != "" {
		ns.Labels = map[string]string{api.PodSecurityEnforceLabel: level}
	}
	return ns
}

// podIn is a Deployment named name in namespace ns (users write pods
// through workloads) whose container "app" has the given securityContext
// (YAML flow mapping) and whose pod spec ends with extra.
func podIn(ns, name, securityContext, extra string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ` + name + `, namespace: ` + ns + `}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec:
      containers:
      - name: app
        image: nginx
        securityContext: ` + securityContext + `
` + extra
}

const (
	privilegedContext = `{privileged: true}`
	restrictedContext = `{allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}`
	hostPathVolume    = `      volumes: [{name: host, hostPath: {path: /}}]
`
)

// TestPodSecurityAdmission writes pods and workloads that break the Pod
// Security level of their namespace and checks they are refused, with
// every violated field named, and nothing is stored.
func TestPodSecurityAdmission(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantCode int
		wantErr  []string
	}{
		{name: "restricted namespace refuses a privileged template", body: podIn("prod", "bad", privilegedContext, ""), wantCode: 403,
			wantErr: []string{
				`document 1 (Deployment "bad"): violates PodSecurity "restricted:latest" in namespace "prod": privileged (container "app" must not set securityContext.privileged=true)`,
				`allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)`,
				`unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"])`,
				`runAsNonRoot != true (container "app" must set securityContext.runAsNonRoot=true)`,
				`seccompProfile (container "app" must set securityContext.seccompProfile.type to "RuntimeDefault"`,
			}},
		{name: "restricted namespace takes a restricted template", body: podIn("prod", "good", restrictedContext, ""), wantCode: 200},
		{name: "restricted namespace refuses a daemonset without hardening", wantCode: 403,
			body: `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: prod}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: nginx}]
`,
			wantErr: []string{`(DaemonSet "agent"): violates PodSecurity "restricted:latest" in namespace "prod": allowPrivilegeEscalation != false (container "agent"`}},
		{name: "default level baseline refuses a privileged job", wantCode: 403,
			body: `apiVersion: batch/v1
kind: Job
metadata: {name: priv}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: app, image: nginx, securityContext: {privileged: true}}]
`,
			wantErr: []string{`(Job "priv"): violates PodSecurity "baseline:latest" in namespace "default": privileged (container "app"`}},
		{name: "default level baseline refuses a cronjob with hostPath", wantCode: 403,
			body: `apiVersion: batch/v1
kind: CronJob
metadata: {name: host}
spec:
  schedule: "@hourly"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: app, image: nginx}]
          volumes: [{name: host, hostPath: {path: /}}]
`,
			wantErr: []string{`(CronJob "host"): violates PodSecurity "baseline:latest" in namespace "default": hostPath volumes (volume "host")`}},
		{name: "default level baseline refuses hostPath", body: podIn("default", "host", "{}", hostPathVolume), wantCode: 403,
			wantErr: []string{`(Deployment "host"): violates PodSecurity "baseline:latest" in namespace "default": hostPath volumes (volume "host")`}},
		{name: "default level baseline refuses a privileged template", body: podIn("default", "priv", privilegedContext, ""), wantCode: 403,
			wantErr: []string{`violates PodSecurity "baseline:latest" in namespace "default": privileged (container "app" must not set securityContext.privileged=true)`}},
		{name: "default level baseline takes a plain template", body: podIn("default", "plain", "{}", ""), wantCode: 200},
		{name: "privileged namespace takes anything", body: podIn("ops", "host", privilegedContext, hostPathVolume), wantCode: 200},
		{name: "label in the same manifest counts", wantCode: 403,
			body: `apiVersion: v1
kind: Namespace
metadata: {name: fresh, labels: {pod-security.kubernetes.io/enforce: restricted}}
---
` + podIn("fresh", "bad", privilegedContext, ""),
			wantErr: []string{`document 2 (Deployment "bad"): violates PodSecurity "restricted:latest" in namespace "fresh"`}},
		{name: "relabelling in the same manifest counts", wantCode: 200,
			body: `apiVersion: v1
kind: Namespace
metadata: {name: prod, labels: {pod-security.kubernetes.io/enforce: privileged}}
---
` + podIn("prod", "bad", privilegedContext, "")},
		{name: "unknown level refused", wantCode: 400,
			body: `apiVersion: v1
kind: Namespace
metadata: {name: odd, labels: {pod-security.kubernetes.io/enforce: strict}}
`,
			wantErr: []string{`pod-security.kubernetes.io/enforce: invalid value "strict"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, c := testServer(t, namespaceWithLevel("prod", "restricted"), namespaceWithLevel("ops", "privileged"))
			code, body := c.do(http.MethodPost, "/v1/apply", tt.body)
			if code != tt.wantCode {
				t.Fatalf("status: got %d, want %d (body %s)", code, tt.wantCode, body)
			}
			var answer struct{ Error string }
			if err := json.Unmarshal(body, &answer); err != nil {
				t.Fatalf("answer %s: %v", body, err)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(answer.Error, want) {
					t.Errorf("got error %q, want one containing %q", answer.Error, want)
				}
			}
			if code != 200 {
				for _, kind := range []string{"Deployment", "DaemonSet", "Job", "CronJob"} {
					if n := len(st.List(kind, "", nil)); n != 0 {
						t.Errorf("%d %s objects stored, want none", n, kind)
					}
				}
			}
		})
	}
}
