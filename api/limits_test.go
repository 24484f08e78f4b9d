package api

import (
	"fmt"
	"strings"
	"testing"
)

// TestDecodeInputLimits applies manifests that ask for too much or
// overflow, and checks each is refused with a message naming the field.
func TestDecodeInputLimits(t *testing.T) {
	deployment := func(name, replicas, podSC, ctrSC string) []byte {
		return fmt.Appendf(nil, `apiVersion: apps/v1
kind: Deployment
metadata: {name: %s}
spec:
  replicas: %s
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      securityContext: {%s}
      containers:
      - name: web
        image: nginx
        securityContext: {%s}
`, name, replicas, podSC, ctrSC)
	}
	statefulSet := func(name string) []byte {
		return fmt.Appendf(nil, `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: %s}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres}]
`, name)
	}
	tests := []struct {
		name    string
		input   []byte
		wantErr string // "" means accepted
	}{
		{"replicas at the limit", deployment("web", "10000", "", ""), ""},
		{"replicas over the limit", deployment("web", "10001", "", ""), "spec.replicas: must be at most 10000, got 10001"},
		{"replicas int32 max", deployment("web", "2147483647", "", ""), "spec.replicas: must be at most 10000, got 2147483647"},
		{"replicas beyond int32", deployment("web", "4294967296", "", ""), "spec.replicas"},
		{"runAsNonRoot with uid 2^32", deployment("web", "1", "", "runAsNonRoot: true, runAsUser: 4294967296"), "containers[0].securityContext.runAsUser: must be at most 2147483647, got 4294967296"},
		{"uid 2^31", deployment("web", "1", "", "runAsUser: 2147483648"), "containers[0].securityContext.runAsUser: must be at most 2147483647, got 2147483648"},
		{"largest uid", deployment("web", "1", "", "runAsNonRoot: true, runAsUser: 2147483647"), ""},
		{"pod runAsUser 2^32", deployment("web", "1", "runAsUser: 4294967296", ""), "spec.template.spec.securityContext.runAsUser: must be at most 2147483647"},
		{"pod runAsGroup 2^32", deployment("web", "1", "runAsGroup: 4294967296", ""), "spec.template.spec.securityContext.runAsGroup: must be at most 2147483647"},
		{"container runAsGroup 2^31", deployment("web", "1", "", "runAsGroup: 2147483648"), "containers[0].securityContext.runAsGroup: must be at most 2147483647"},
		{"fsGroup 2^32", deployment("web", "1", "fsGroup: 4294967296", ""), "spec.template.spec.securityContext.fsGroup: must be at most 2147483647"},
		{"supplementalGroups 2^32", deployment("web", "1", "supplementalGroups: [4294967296]", ""), `spec.template.spec.securityContext.supplementalGroups[0]: must be at most 2147483647`},
		{"Deployment name at the limit", deployment(subdomainOf(MaxDeploymentNameLength), "1", "", ""), ""},
		{"Deployment name one too long", deployment(subdomainOf(MaxDeploymentNameLength+1), "1", "", ""), "metadata.name: invalid value"},
		{"StatefulSet name at the limit", statefulSet(strings.Repeat("d", 52)), ""},
		{"StatefulSet name of 53", statefulSet(strings.Repeat("d", 53)), "must be at most 52 characters (got 53), so that its pods' names (NAME-ORDINAL) stay DNS labels"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.input)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

// subdomainOf is a valid DNS subdomain of n characters.
func subdomainOf(n int) string {
	s := strings.Repeat(strings.Repeat("a", 62)+".", n/63+1)[:n]
	if strings.HasSuffix(s, ".") {
		s = s[:n-1] + "b"
	}
	return s
}

func TestEventNameStaysValid(t *testing.T) {
	tests := []struct {
		name   string
		object string
	}{
		{"short", "web-1"},
		{"pod name of 253", subdomainOf(MaxDNSSubdomainLength)},
		{"cut lands after a dot", subdomainOf(241) + ".bbbbbbbbbbbb"},
		{"cut lands after a dash", strings.Repeat("a", 62) + "." + strings.Repeat("a", 62) + "." + strings.Repeat("a", 62) + "." + strings.Repeat("a", 51) + "-bbbbbbbbbbbb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := EventName(tc.object, "0123456789ab")
			if msg := dnsSubdomainError(name); msg != "" {
				t.Fatalf("got %q (%d characters): %s, want a DNS subdomain", name, len(name), msg)
			}
			if !strings.HasSuffix(name, ".0123456789ab") {
				t.Fatalf("got %q, want it to end in the suffix", name)
			}
		})
	}
}
