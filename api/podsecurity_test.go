package api

import (
	"slices"
	"strings"
	"testing"
)

func TestPodSecurityViolations(t *testing.T) {
	yes, no := true, false
	root, user := int64(0), int64(1000)
	// good meets restricted; each case spoils one thing.
	good := func() *PodSpec {
		return &PodSpec{
			Containers: []Container{{Name: "app", Image: "x", SecurityContext: &SecurityContext{
				AllowPrivilegeEscalation: &no,
				RunAsNonRoot:             &yes,
				Capabilities:             &Capabilities{Drop: []string{"ALL"}},
				SeccompProfile:           &SeccompProfile{Type: SeccompRuntimeDefault},
			}}},
			Volumes: []Volume{{Name: "scratch", EmptyDir: &EmptyDirVolumeSource{}}},
		}
	}
	tests := []struct {
		name       string
		spoil      func(s *PodSpec)
		baseline   string // the violation under baseline, "" for none
		restricted string // the violation under restricted, "" for none
	}{
		{"nothing", func(*PodSpec) {}, "", ""},
		{"privileged", func(s *PodSpec) { s.Containers[0].SecurityContext.Privileged = &yes },
			`privileged (container "app" must not set securityContext.privileged=true)`, `privileged (container "app"`},
		{"added capability", func(s *PodSpec) { s.Containers[0].SecurityContext.Capabilities.Add = []string{"NET_ADMIN"} },
			`non-default capabilities (container "app" must not include "NET_ADMIN" in securityContext.capabilities.add)`,
			`unrestricted capabilities (container "app" must not add capabilities other than "NET_BIND_SERVICE")`},
		{"default capability", func(s *PodSpec) { s.Containers[0].SecurityContext.Capabilities.Add = []string{"CHOWN"} },
			"", `unrestricted capabilities (container "app" must not add capabilities other than "NET_BIND_SERVICE")`},
		{"NET_BIND_SERVICE", func(s *PodSpec) { s.Containers[0].SecurityContext.Capabilities.Add = []string{"NET_BIND_SERVICE"} }, "", ""},
		{"capabilities not dropped", func(s *PodSpec) { s.Containers[0].SecurityContext.Capabilities = nil },
			"", `unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"])`},
		{"hostPath", func(s *PodSpec) {
			s.Volumes = append(s.Volumes, Volume{Name: "host", HostPath: &HostPathVolumeSource{Path: "/"}})
		}, `hostPath volumes (volume "host")`, `restricted volume types (volume "host" (hostPath))`},
		{"hostPort", func(s *PodSpec) { s.Containers[0].Ports = []ContainerPort{{ContainerPort: 80, HostPort: 8080}} },
			`hostPort (port 8080)`, `hostPort (port 8080)`},
		{"unconfined container", func(s *PodSpec) { s.Containers[0].SecurityContext.SeccompProfile.Type = SeccompUnconfined },
			`seccompProfile (container "app" must not set securityContext.seccompProfile.type to "Unconfined")`,
			`seccompProfile (container "app" must set securityContext.seccompProfile.type to "RuntimeDefault"`},
		{"unconfined pod", func(s *PodSpec) {
			s.SecurityContext = &PodSecurityContext{SeccompProfile: &SeccompProfile{Type: SeccompUnconfined}}
		}, `seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")`, `seccompProfile (pod must not`},
		{"no seccomp profile", func(s *PodSpec) { s.Containers[0].SecurityContext.SeccompProfile = nil },
			"", `seccompProfile (container "app" must set securityContext.seccompProfile.type to "RuntimeDefault"`},
		{"seccomp profile on the pod", func(s *PodSpec) {
			s.Containers[0].SecurityContext.SeccompProfile = nil
			s.SecurityContext = &PodSecurityContext{SeccompProfile: &SeccompProfile{Type: SeccompRuntimeDefault}}
		}, "", ""},
		{"privilege escalation unset", func(s *PodSpec) { s.Containers[0].SecurityContext.AllowPrivilegeEscalation = nil },
			"", `allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)`},
		{"privilege escalation in an init container", func(s *PodSpec) {
			ic := s.Containers[0]
			ic.Name = "init"
			ic.SecurityContext = &SecurityContext{RunAsNonRoot: &yes, Capabilities: &Capabilities{Drop: []string{"ALL"}},
				SeccompProfile: &SeccompProfile{Type: SeccompRuntimeDefault}, AllowPrivilegeEscalation: &yes}
			s.InitContainers = []Container{ic}
		}, "", `allowPrivilegeEscalation != false (container "init" must set`},
		{"runAsNonRoot unset", func(s *PodSpec) { s.Containers[0].SecurityContext.RunAsNonRoot = nil },
			"", `runAsNonRoot != true (container "app" must set securityContext.runAsNonRoot=true)`},
		{"runAsUser 0 on the container", func(s *PodSpec) { s.Containers[0].SecurityContext.RunAsUser = &root },
			"", `runAsUser=0 (container "app" must not set runAsUser=0)`},
		{"runAsUser 0 on the pod", func(s *PodSpec) { s.SecurityContext = &PodSecurityContext{RunAsUser: &root} },
			"", `runAsUser=0 (pod must not set runAsUser=0)`},
		{"runAsUser 1000", func(s *PodSpec) { s.SecurityContext = &PodSecurityContext{RunAsUser: &user} }, "", ""},
		{"no security context", func(s *PodSpec) { s.Containers[0].SecurityContext = nil },
			"", `allowPrivilegeEscalation != false (container "app"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, lv := range []struct {
				level PodSecurityLevel
				want  string
			}{{PodSecurityPrivileged, ""}, {PodSecurityBaseline, tc.baseline}, {PodSecurityRestricted, tc.restricted}} {
				s := good()
				tc.spoil(s)
				got := PodSecurityViolations(lv.level, s)
				if lv.want == "" {
					if len(got) != 0 {
						t.Errorf("%s: got %q, want no violations", lv.level, got)
					}
					continue
				}
				if !slices.ContainsFunc(got, func(v string) bool { return strings.HasPrefix(v, lv.want) }) {
					t.Errorf("%s: got %q, want one starting %q", lv.level, got, lv.want)
				}
			}
		})
	}
}

func TestPodSecurityError(t *testing.T) {
	err := PodSecurityError(PodSecurityRestricted, "prod", []string{"a (x)", "b (y)"})
	want := `violates PodSecurity "restricted:latest" in namespace "prod": a (x), b (y)`
	if err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}

func TestNamespacePodSecurityLabel(t *testing.T) {
	for _, tc := range []struct {
		value   string
		wantErr string
	}{
		{"privileged", ""}, {"baseline", ""}, {"restricted", ""},
		{"strict", `metadata.labels.pod-security.kubernetes.io/enforce: invalid value "strict"`},
	} {
		t.Run(tc.value, func(t *testing.T) {
			ns := &Namespace{TypeMeta: TypeMeta{APIVersion: "v1", Kind: "Namespace"},
				ObjectMeta: ObjectMeta{Name: "prod", Labels: map[string]string{PodSecurityEnforceLabel: tc.value}}}
			err := Validate(ns)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("got %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestValidateSeccompProfile(t *testing.T) {
	path := "profiles/x.json"
	for _, tc := range []struct {
		name    string
		profile SeccompProfile
		wantErr string
	}{
		{"RuntimeDefault", SeccompProfile{Type: SeccompRuntimeDefault}, ""},
		{"Unconfined", SeccompProfile{Type: SeccompUnconfined}, ""},
		{"Localhost", SeccompProfile{Type: SeccompLocalhost, LocalhostProfile: &path}, "Localhost profiles are not supported"},
		{"empty", SeccompProfile{}, "seccompProfile.type: required"},
		{"unknown", SeccompProfile{Type: "Strict"}, `invalid value "Strict"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.profile
			pod := &Pod{TypeMeta: TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: ObjectMeta{Name: "p", Namespace: "default"},
				Spec: PodSpec{Containers: []Container{{Name: "app", Image: "x", SecurityContext: &SecurityContext{SeccompProfile: &p}}}}}
			err := Validate(pod)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("got %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}
